"""The hot path's shortcuts (issue 19) give what the plain code gave: field indexes shared by records of
one shape, a body assembled from payloads serialised once, a token store read again only when it changed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from connector_kit.exact_json import dumps
from destination_xero.posting import body_of
from destination_xero.record_fields import Fields, RecordError
from xero_client.tokens import FileTokenStore
from xero_client.wire import dumps_bytes


def test_records_of_one_shape_share_an_index_but_never_a_value() -> None:
    first = Fields({"ID": 1, "Name": "Acme", "rate": "2.50"})
    second = Fields({"ID": 2, "Name": "", "rate": 3.1})
    assert (first.integer("id"), first.text("name"), first.decimal("Rate")) == (1, "Acme", Decimal("2.50"))
    assert (second.integer("id"), second.text("name"), second.decimal("Rate")) == (2, None, Decimal("3.1"))


def test_names_are_tried_in_order_and_the_last_of_keys_equal_but_for_case_wins() -> None:
    f = Fields({"invoiceDate": None, "Date": "2026-01-02", "date": "2026-03-04"})
    assert str(f.date("invoiceDateTime", "invoiceDate", "date")) == "2026-03-04"
    assert f.get("missing", "also missing") is None


def test_an_integer_is_still_checked() -> None:
    with pytest.raises(RecordError, match="not a number"):
        Fields({"id": True}).integer("id")
    with pytest.raises(RecordError, match="not an integer"):
        Fields({"id": 1.5}).integer("id")
    assert Fields({"id": "42"}).integer("id") == 42


def test_a_body_from_serialised_payloads_is_the_body_serialised_whole() -> None:
    elements = [{"InvoiceNumber": "1", "Total": Decimal("1.10")}, {"Name": "Caf\u00e9"}]
    assert body_of("Invoices", [dumps_bytes(e) for e in elements]).decode() == dumps({"Invoices": elements})


def test_the_token_store_is_read_again_when_the_file_changes(tmp_path) -> None:
    store = FileTokenStore(tmp_path / "token.json")
    assert store.load() is None
    store.save("first-token")
    assert store.load() == "first-token"
    FileTokenStore(tmp_path / "token.json").save("second-token-rotated-elsewhere")
    assert store.load() == "second-token-rotated-elsewhere"
    (tmp_path / "token.json").write_text('{"refresh_token": "edited-by-hand-in-place"}', encoding="utf-8")
    assert store.load() == "edited-by-hand-in-place"
