"""The query builder can only emit operators Autotask knows, and formats values the way the API reads them."""

from __future__ import annotations

import json
from decimal import Decimal

import pendulum
import pytest
from autotask_client.query import F, Op, Query, QueryError, all_of, any_of


def test_every_operator_renders_its_autotask_name() -> None:
    conditions = [
        F("a").eq(1),
        F("a").noteq(1),
        F("a").gt(1),
        F("a").gte(1),
        F("a").lt(1),
        F("a").lte(1),
        F("s").begins_with("x"),
        F("s").ends_with("x"),
        F("s").contains("x"),
        F("a").exists(),
        F("a").not_exists(),
        F("a").in_([1, 2]),
        F("a").not_in([3]),
    ]
    ops = [c.to_json()["op"] for c in conditions]
    assert ops == [op.value for op in Op]
    assert set(ops) == {
        "eq",
        "noteq",
        "gt",
        "gte",
        "lt",
        "lte",
        "beginsWith",
        "endsWith",
        "contains",
        "exist",
        "notExist",
        "in",
        "notIn",
    }


def test_values_are_formatted_for_the_api() -> None:
    when = pendulum.datetime(2025, 9, 5, 11, 47, 15, 227000, tz="Europe/Paris")
    body = Query(
        "Invoices",
        (F("createDateTime").gte(when), F("isVoided").eq(False), F("invoiceTotal").gt(Decimal("52.7775"))),
    ).body()
    assert body["filter"][0]["value"] == "2025-09-05T09:47:15.227"
    assert body["filter"][1]["value"] is False
    assert '"value":52.7775' in Query("Invoices", (F("invoiceTotal").gt(Decimal("52.7775")),)).search()
    assert body["MaxRecords"] == 500


def test_groups_nest() -> None:
    group = any_of(F("a").gte(1), all_of(F("b").eq("x"), F("c").exists()))
    assert group.to_json() == {
        "op": "or",
        "items": [
            {"op": "gte", "field": "a", "value": 1},
            {"op": "and", "items": [{"op": "eq", "field": "b", "value": "x"}, {"op": "exist", "field": "c"}]},
        ],
    }


@pytest.mark.parametrize(
    "build",
    [
        lambda: F("a").eq(None),  # type: ignore[arg-type]
        lambda: F("a").in_([]),
        lambda: F("a").in_(range(501)),
        lambda: F("bad name"),
        lambda: Query("Invoices", ()),
        lambda: Query("Invoices", (F("id").gte(0),), max_records=501),
        lambda: Query("Invoices", (F("id").gte(0),), max_records=0),
        lambda: F("a").eq(1.5),  # type: ignore[arg-type]
    ],
)
def test_queries_autotask_would_misread_are_refused(build) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError):
        build()


def test_include_fields_always_carry_id() -> None:
    body = Query("Companies", (F("id").gte(0),), include_fields=("companyName",), max_records=1).body()
    assert body["IncludeFields"] == ["id", "companyName"]
    assert json.loads(Query("Companies", (F("id").gte(0),)).search())["filter"] == [
        {"op": "gte", "field": "id", "value": 0}
    ]
