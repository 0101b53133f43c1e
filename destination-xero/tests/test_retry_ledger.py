"""The documents that did not land travel in the state the destination passes on, until they land."""

from __future__ import annotations

from destination_xero.retry_ledger import RetryLedger

SOURCE_STATE = {"cursor": "2026-11-30T00:00:00Z", "fingerprints": {"11": "a", "12": "b", "13": "c"}}


def test_a_rejected_document_is_listed_and_its_fingerprint_dropped():
    ledger = RetryLedger()
    ledger.note("invoice", "create", 11)
    ledger.note("credit_note", "rejected", 12, "no TaxType mapped")
    state = ledger.stream_state("invoices", SOURCE_STATE)
    assert state["retry"] == [12]
    assert state["fingerprints"] == {"11": "a", "13": "c"}
    assert state["cursor"] == SOURCE_STATE["cursor"]


def test_a_retried_document_that_lands_leaves_the_list_and_the_others_stay():
    ledger = RetryLedger()
    ledger.note("invoice", "unchanged", 12)
    state = ledger.stream_state("invoices", {**SOURCE_STATE, "retry": [12, 40]})
    assert state["retry"] == [40]  # 40 was not sent this run: it stays listed


def test_the_list_disappears_once_everything_landed():
    ledger = RetryLedger()
    ledger.note("invoice", "update", 12)
    assert "retry" not in ledger.stream_state("invoices", {**SOURCE_STATE, "retry": [12]})


def test_a_change_xero_will_not_take_is_retried_like_a_rejection():
    ledger = RetryLedger()
    ledger.note("invoice", "not_changeable", 13, "paid in Xero")
    assert ledger.stream_state("invoices", SOURCE_STATE)["retry"] == [13]


def test_a_split_invoice_lands_only_when_every_part_landed():
    ledger = RetryLedger()
    ledger.note("invoice", "rejected", 11)
    ledger.note("invoice", "create", 11)  # the other organisation's part
    assert ledger.stream_state("invoices", SOURCE_STATE)["retry"] == [11]


def test_streams_are_kept_apart_and_other_streams_untouched():
    ledger = RetryLedger()
    ledger.note("purchase_order", "rejected", 12)
    assert "retry" not in ledger.stream_state("invoices", SOURCE_STATE)
    assert ledger.stream_state("purchase_orders", SOURCE_STATE)["retry"] == [12]
    assert ledger.stream_state("companies", {"cursor": "x"}) == {"cursor": "x"}
    ledger.note("contact", "rejected", 99)  # contacts are not documents: nothing to retry
    assert ledger.stream_state("companies", {}) == {}


def test_a_corrupted_retry_list_keeps_only_the_ids():
    ledger = RetryLedger()
    state = ledger.stream_state("invoices", {"retry": ["7", "x", None, 8.0, {"a": 1}]})
    assert state["retry"] == [7, 8]
    assert "retry" not in ledger.stream_state("invoices", {"retry": "12"})


def test_singer_bookmarks_and_airbyte_legacy_states():
    ledger = RetryLedger()
    ledger.note("invoice", "rejected", 12)
    singer = ledger.singer({"bookmarks": {"invoices": {"autotask": SOURCE_STATE}, "companies": {"x": 1}}})
    assert singer["bookmarks"]["invoices"]["autotask"]["retry"] == [12]
    assert singer["bookmarks"]["companies"] == {"x": 1}
    legacy = ledger.streams({"invoices": SOURCE_STATE, "companies": {"cursor": "c"}})
    assert legacy["invoices"]["retry"] == [12]
    assert legacy["companies"] == {"cursor": "c"}
