"""Reading Autotask's answers without a client: retry or not, the messages, `Retry-After`, the settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import requests
from autotask_client.errors import AuthenticationError, AutotaskApiError, PermissionDeniedError
from autotask_client.query import F, Query, chunked, dumps
from autotask_client.responses import RetryableError, error_messages, interpret, parse_json, retry_after
from autotask_client.settings import Connection
from autotask_client.zones import cached_zone, forget_zone, remember_zone, with_slash, zone_key

from .conftest import CODE, SECRET


def response(status: int, body: str = "", headers: dict[str, str] | None = None) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = body.encode()
    answer.headers.update(headers or {})
    return answer


def read(answer: requests.Response, entity: str = "Invoices") -> Any:
    forgotten: list[bool] = []
    try:
        return interpret(
            answer, entity, "query", redact=lambda t: t, on_unauthorized=lambda: forgotten.append(True)
        )
    finally:
        assert forgotten == ([True] if answer.status_code == 401 else [])


def test_money_is_read_as_decimal() -> None:
    assert parse_json('{"total": 52.7775}') == {"total": Decimal("52.7775")}
    assert read(response(200, '{"items": [{"rate": 0.1}]}')) == {"items": [{"rate": Decimal("0.1")}]}


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (500, '{"errors": ["Internal error"]}', RetryableError),
        (409, '{"errors": ["Itgenatr005 thread threshold"]}', RetryableError),
        (200, "<html>", RetryableError),
        (500, '{"errors": ["Unable to find projectID in the Invoice Entity."]}', AutotaskApiError),
        (401, '{"errors": ["unauthorized"]}', AuthenticationError),
        (403, "", PermissionDeniedError),
        (500, '{"errors": ["Invalid user or integration code"]}', AuthenticationError),
    ],
)
def test_each_answer_is_retried_or_typed(status: int, body: str, kind: type[Exception]) -> None:
    with pytest.raises(kind):
        read(response(status, body))


def test_messages_come_from_errors_else_message_else_the_text() -> None:
    assert error_messages({"errors": [{"message": "bad", "field": "x"}, "plain"]}, "") == ("bad x", "plain")
    assert error_messages({"Message": "An error"}, "") == ("An error",)
    assert error_messages(None, "x" * 400) == ("x" * 300,)
    assert error_messages(None, "  ") == ()


def test_retry_after_is_capped_and_tolerant() -> None:
    assert retry_after(response(429, headers={"Retry-After": "12"})) == 12.0
    assert retry_after(response(429, headers={"Retry-After": "9999"})) == 300.0
    assert retry_after(response(429, headers={"Retry-After": "soon"})) is None
    assert retry_after(response(429)) is None


def test_a_connection_never_shows_its_secrets() -> None:
    connection = Connection(username="api@example.test", secret=SECRET, integration_code=CODE)
    assert SECRET not in repr(connection) and CODE not in repr(connection)
    assert connection.secrets() == (SECRET, CODE)


def test_the_zone_cache_is_per_lookup_url_and_case_insensitive_user() -> None:
    key = zone_key("https://zone.example.test/lookup", "Someone@Example.test")
    assert key == zone_key("https://zone.example.test/lookup", "someone@example.test")
    remember_zone(key, with_slash("https://ws1.example.test/atservicesrest"))
    assert cached_zone(key) == "https://ws1.example.test/atservicesrest/"
    forget_zone(key)
    assert cached_zone(key) is None


def test_query_json_is_exact_and_in_lists_are_chunked() -> None:
    assert dumps({"value": Decimal("1.10"), "ids": (1, 2)}) == '{"value":1.10,"ids":[1,2]}'
    assert Query("Invoices", (F("invoiceTotal").gte(Decimal("0.01")),)).search() == (
        '{"filter":[{"op":"gte","field":"invoiceTotal","value":0.01}],"MaxRecords":500}'
    )
    assert [len(chunk) for chunk in chunked(list(range(1201)))] == [500, 500, 201]
