"""State rules against a mocked Autotask: the server's clock bounds every cursor; a bad state is refused.

The mocked `Date` header is half a year behind the local clock on purpose: a date between the two is
"later than Autotask's clock" only if the source really takes its time from the header.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pendulum
import pytest
import requests_mock as rm
from source_autotask.config import SourceConfig
from source_autotask.state import checked_state
from source_autotask.streams.specs import STREAMS
from source_autotask.sync import SyncSession

from .conftest import BASE

SERVER_DATE = "Mon, 01 Jun 2026 12:00:00 GMT"
SERVER_START = pendulum.datetime(2026, 6, 1, 12, 0, 0, tz="UTC")
THRESHOLD = {
    "externalRequestThreshold": 10000,
    "requestThresholdTimeframe": 60,
    "currentTimeframeRequestCount": 1,
}
COMPANIES = BASE + "v1.0/Companies/query"


def company(company_id: int, modified: str, created: str = "2026-01-05T09:00:00Z") -> dict[str, Any]:
    return {
        "id": company_id,
        "companyName": f"Company {company_id}",
        "createDate": created,
        "lastTrackedModifiedDateTime": modified,
    }


def page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "pageDetails": {"count": len(items), "nextPageUrl": None}}


@pytest.fixture
def mock() -> Any:
    with rm.Mocker() as m:
        m.get(BASE + "v1.0/ThresholdInformation", json=THRESHOLD, headers={"Date": SERVER_DATE})
        yield m


def session(unit_config: dict[str, Any]) -> SyncSession:
    return SyncSession(SourceConfig.from_mapping(unit_config))


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# -- the server's clock as the sync uses it (the clock alone: libs/autotask-client/tests) -----------------


def test_start_time_is_the_date_of_the_first_response(mock: Any, unit_config: dict[str, Any]) -> None:
    mock.get(COMPANIES, json=page([]), headers={"Date": "Tue, 02 Jun 2026 08:00:00 GMT"})
    sync = session(unit_config)
    assert sync.client.start_time() == SERVER_START
    list(sync.read("companies"))
    assert sync.client.start_time() == SERVER_START  # later responses do not move the start
    assert sync.client.clock.latest() == pendulum.datetime(2026, 6, 2, 8, tz="UTC")
    # Asking for the start cost no call: the pacer's threshold reading is the one the query would make.
    assert [r.url.split("/v1.0/")[1].split("?")[0] for r in mock.request_history] == [
        "ThresholdInformation",
        "Companies/query",
    ]


def test_start_time_falls_back_to_the_local_clock_without_a_date_header(unit_config: dict[str, Any]) -> None:
    with rm.Mocker() as m:
        m.get(BASE + "v1.0/ThresholdInformation", json=THRESHOLD)
        before = pendulum.now("UTC")
        started = session(unit_config).client.start_time()
    assert before <= started <= pendulum.now("UTC")


# -- cursor streams under the server's clock ------------------------------------------------------------


def test_cursor_never_passes_the_servers_start(
    mock: Any, unit_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    mock.get(
        COMPANIES,
        json=page(
            [
                company(1, "2026-05-20T10:00:00Z"),
                company(2, "2026-06-01T12:30:00Z"),  # changed while the sync ran: after the start
                company(3, "2027-11-10T00:00:00Z"),  # typed in the future
            ]
        ),
        headers={"Date": "Mon, 01 Jun 2026 12:31:00 GMT"},
    )
    sync = session(unit_config)
    with caplog.at_level(logging.INFO, logger="source_autotask"):
        records = list(sync.read("companies"))
    assert [r["id"] for r in records] == [1, 2, 3]  # every one emitted
    assert sync.states["companies"] == {"cursor": "2026-05-20T10:00:00.000Z"}
    assert warnings(caplog) == [
        "company id 3: lastTrackedModifiedDateTime 2027-11-10 is in the future; kept out of the cursor, "
        "re-read every sync"
    ]
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any(m.startswith("company id 2: lastTrackedModifiedDateTime") for m in infos)


def test_a_saved_cursor_after_the_servers_clock_is_not_trusted(
    mock: Any, unit_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """July 2026 is in the past for the local clock but in the future for Autotask's: Autotask decides."""
    mock.get(COMPANIES, json=page([company(1, "2026-05-20T10:00:00Z")]))
    sync = session(unit_config)
    with caplog.at_level(logging.WARNING, logger="source_autotask"):
        records = list(sync.read("companies", {"cursor": "2026-07-01T00:00:00.000Z"}))
    assert [r["id"] for r in records] == [1]
    query = next(r for r in mock.request_history if "Companies/query" in r.url)
    assert json.loads(query.qs["search"][0])["filter"] == [{"op": "gte", "field": "id", "value": 0}]
    assert sync.states["companies"] == {"cursor": "2026-05-20T10:00:00.000Z"}
    assert warnings(caplog) == [
        "companies: the saved cursor 2026-07-01T00:00:00.000Z is later than Autotask's clock at the start "
        "of this sync (2026-06-01T12:00:00.000Z), so it cannot be trusted; reading the whole stream again"
    ]


def test_a_saved_cursor_before_the_servers_clock_is_used(mock: Any, unit_config: dict[str, Any]) -> None:
    mock.get(COMPANIES, json=page([company(1, "2026-05-20T10:00:00Z")]))
    sync = session(unit_config)
    list(sync.read("companies", {"cursor": "2026-05-01T00:00:00.000Z"}))
    query = next(r for r in mock.request_history if "Companies/query" in r.url)
    assert "2026-05-01" in query.qs["search"][0]


# -- state shapes ---------------------------------------------------------------------------------------

WINDOW, CURSOR = STREAMS["invoices"], STREAMS["companies"]
GOOD_WINDOW = {"cursor": "2026-05-01T00:00:00.000Z", "fingerprints": {"5": "abc"}, "retry": [7, 3]}


@pytest.mark.parametrize(
    ("spec", "raw", "words"),
    [
        (WINDOW, "not json {", "it is 'not json {' (text), not a JSON object"),
        (WINDOW, [1, 2], "it is [1, 2] (a list), not a JSON object"),
        (WINDOW, 42, "it is 42 (a number), not a JSON object"),
        (WINDOW, {"cursor": 42}, "cursor 42 (a number) is not a date"),
        (WINDOW, {"cursor": "yesterday"}, "cursor 'yesterday' (text) is not a date"),
        (WINDOW, {"cursor": "2026-05-01T00:00:00Z", "fingerprints": ["a"]}, "fingerprints is ['a'] (a list)"),
        (WINDOW, {"fingerprints": {"5": 1}}, "fingerprints holds something other than text"),
        (WINDOW, {"retry": "12"}, "retry is '12' (text), not a list of Autotask ids"),
        (WINDOW, {"retry": ["12"]}, "retry is ['12'] (a list), not a list of Autotask ids"),
        (WINDOW, {"retry": [True]}, "retry is [True] (a list), not a list of Autotask ids"),
        (WINDOW, {"retry": [1.5]}, "retry is [1.5] (a list), not a list of Autotask ids"),
        (WINDOW, {"createDateTime": "2026-05-01T00:00:00Z"}, "an older or foreign shape"),
        (CURSOR, {"lastTrackedModifiedDateTime": "2026-05-01"}, "found lastTrackedModifiedDateTime"),
        (CURSOR, {"cursor": ["2026-05-01"]}, "cursor ['2026-05-01'] (a list) is not a date"),
    ],
)
def test_a_state_of_the_wrong_shape_is_refused_with_the_reason(spec: Any, raw: Any, words: str) -> None:
    usable, problem = checked_state(spec, raw)
    assert usable == {}
    assert problem is not None and words in problem, problem


@pytest.mark.parametrize(
    ("spec", "raw", "usable"),
    [
        (WINDOW, GOOD_WINDOW, GOOD_WINDOW),
        (WINDOW, {"retry": [12]}, {"retry": [12]}),  # the destination may write a retry list first
        (WINDOW, {"retry": [], "cursor": None}, {"retry": []}),
        (WINDOW, None, {}),
        (WINDOW, {}, {}),
        (CURSOR, {"cursor": "2026-05-01T00:00:00.000Z"}, {"cursor": "2026-05-01T00:00:00.000Z"}),
        (STREAMS["products"], "anything", {}),  # full streams keep no state
    ],
)
def test_states_of_the_right_shape_are_used(spec: Any, raw: Any, usable: dict[str, Any]) -> None:
    assert checked_state(spec, raw) == (usable, None)


def test_a_refused_state_is_one_warning_and_a_read_without_state(
    mock: Any, unit_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    mock.get(COMPANIES, json=page([company(1, "2026-05-20T10:00:00Z")]))
    sync = session(unit_config)
    with caplog.at_level(logging.WARNING, logger="source_autotask"):
        records = list(sync.read("companies", {"cursor": 42}))
    assert [r["id"] for r in records] == [1]
    assert warnings(caplog) == [
        "companies: the saved state was not used (cursor 42 (a number) is not a date); the stream is read "
        "as if it had no state"
    ]
    query = next(r for r in mock.request_history if "Companies/query" in r.url)
    assert json.loads(query.qs["search"][0])["filter"] == [{"op": "gte", "field": "id", "value": 0}]
