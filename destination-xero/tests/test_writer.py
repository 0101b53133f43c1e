"""Engine behaviour that the sandbox cannot be made to show on demand: per-element failures, a whole-call
400, and the day limit (requests-mock plays Xero)."""

from __future__ import annotations

import json
import re
import threading
from decimal import Decimal

import requests_mock as rm
from destination_xero.writer import Engine
from xero_client.client import XeroClient

API = "https://api.xero.com/api.xro/2.0"


def org(m):
    m.post("https://identity.xero.com/connect/token", json={"access_token": "tok-abc", "expires_in": 1800})
    m.get(f"{API}/Organisation", json={"Organisations": [{"Name": "Acme AU", "BaseCurrency": "AUD"}]})
    m.get(
        f"{API}/TaxRates",
        json={
            "TaxRates": [
                {
                    "TaxType": "OUTPUT",
                    "Status": "ACTIVE",
                    "TaxComponents": [{"Rate": 10, "IsCompound": False}],
                },
                {"TaxType": "EXEMPTOUTPUT", "Status": "ACTIVE", "TaxComponents": []},
                {"TaxType": "NONE", "Status": "ACTIVE", "TaxComponents": []},
            ]
        },
    )
    m.get(f"{API}/Currencies", json={"Currencies": [{"Code": "AUD"}]})
    m.get(f"{API}/BrandingThemes", json={"BrandingThemes": [{"BrandingThemeID": "b-1", "Name": "Standard"}]})
    m.get(
        f"{API}/Contacts",
        json={
            "Contacts": [
                {
                    "ContactID": "c-7",
                    "Name": "Acme Pty Ltd",
                    "ContactNumber": "AT-7",
                    "ContactStatus": "ACTIVE",
                }
            ]
        },
    )
    m.get(f"{API}/Invoices", json={"Invoices": []})


def two_invoices(raw_invoice, raw_line):
    return [raw_invoice(), raw_invoice(id=502, invoiceNumber="1002")]


def test_per_element_outcomes_are_reported_individually(make_config, raw_invoice, raw_line, tmp_path):
    config = make_config(rejected_records_path=str(tmp_path / "rej.jsonl"))
    out = []
    with rm.Mocker() as m:
        org(m)
        m.post(
            re.compile(f"{API}/Invoices"),
            json={
                "Invoices": [
                    {"InvoiceID": "i-1", "InvoiceNumber": "1001", "StatusAttributeString": "OK"},
                    {
                        "InvoiceID": "00000000-0000-0000-0000-000000000000",
                        "InvoiceNumber": "1002",
                        "HasErrors": True,
                        "StatusAttributeString": "ERROR",
                        "ValidationErrors": [{"Message": "Account code '210' is not valid."}],
                    },
                ]
            },
        )
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        for raw in two_invoices(raw_invoice, raw_line):
            engine.add("invoices", raw)
        assert engine.flush()
        post = next(r for r in m.request_history if r.method == "POST" and "/Invoices" in r.url)
        assert "summarizeErrors=false" in post.url
        assert post.headers["Idempotency-Key"].startswith("dx-")
        body = json.loads(post.text, parse_float=Decimal)
        assert [i["Contact"] for i in body["Invoices"]] == [{"ContactID": "c-7"}] * 2
    assert {d["key"]: d["action"] for d in out} == {"1001": "create", "1002": "rejected"}
    rejected = [json.loads(x) for x in (tmp_path / "rej.jsonl").read_text().splitlines()]
    assert rejected[0]["autotask_id"] == 502 and rejected[0]["xero_messages"] == [
        "Account code '210' is not valid."
    ]
    assert rejected[0]["tenant"] == "Acme AU"
    assert engine.exit_code() == 1
    assert engine.summary()["Acme AU"]["documents"]["invoice"] == {"create": 1, "rejected": 1}


def test_whole_call_400_rejects_that_call_only(make_config, raw_invoice, raw_line):
    config = make_config(fail_on_rejections=False)
    out = []
    with rm.Mocker() as m:
        org(m)
        m.post(
            re.compile(f"{API}/Invoices"),
            status_code=400,
            json={
                "ErrorNumber": 14,
                "Type": "PostDataInvalidException",
                "Message": "JSON for the Invoice is invalid",
            },
        )
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        for raw in two_invoices(raw_invoice, raw_line):
            engine.add("invoices", raw)
        engine.flush()
    assert {d["action"] for d in out} == {"rejected"}
    assert all("JSON for the Invoice is invalid" in d["xero_messages"][0] for d in out)
    assert engine.exit_code() == 0  # fail_on_rejections: false


def test_day_limit_stops_cleanly_and_defers_the_rest(make_config, raw_invoice, raw_line):
    config = make_config()
    out = []
    with rm.Mocker() as m:
        org(m)
        m.post(
            re.compile(f"{API}/Invoices"),
            status_code=429,
            headers={"X-Rate-Limit-Problem": "day", "Retry-After": "3600"},
        )
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        for raw in two_invoices(raw_invoice, raw_line):
            engine.add("invoices", raw)
        assert engine.flush() is False
        engine.add("invoices", raw_invoice(id=503, invoiceNumber="1003"))
        assert engine.flush() is False  # the tenant stays stopped: no further calls
        posts = [r for r in m.request_history if r.method == "POST" and "/Invoices" in r.url]
        assert len(posts) == 1
    assert [d["action"] for d in out] == ["deferred"] * 3
    summary = engine.summary()["Acme AU"]
    assert "daily call limit" in summary["stopped"] and "next run" in summary["stopped"]
    assert engine.exit_code() == 2


def test_outputs_never_carry_secrets(make_config, raw_invoice, raw_line, tmp_path):
    # not a dry run: a dry run writes no rejected-records file, and the file is what is checked here
    config = make_config(rejected_records_path=str(tmp_path / "rej.jsonl"))
    out = []
    secret_invoice = raw_invoice(invoiceNumber="tok-abc")  # pathological: a token echoed in data
    secret_invoice["lines"][0]["taxRegionName"] = "shh-secret region"
    with rm.Mocker() as m:
        org(m)
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        engine.add("invoices", secret_invoice)
        engine.flush()
    text = json.dumps(out, default=str) + (tmp_path / "rej.jsonl").read_text()
    assert "tok-abc" not in text and "shh-secret" not in text and "***" in text


def test_settings_unreadable_rejects_or_defers_without_crashing(make_config, raw_invoice):
    config = make_config()
    out = []
    with rm.Mocker() as m:
        org(m)
        m.get(
            f"{API}/Organisation",
            status_code=403,
            json={"Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"},
        )
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        engine.add("invoices", raw_invoice())
    # Refused access (disconnected organisation): deferred, never rejected, so that the platform's state
    # does not move past the documents and the next run after reconnecting sends them.
    assert out[0]["action"] == "deferred"
    assert "organisation 'Acme AU' refused access" in out[0]["reason"]
    assert "AuthenticationUnsuccessful" in out[0]["reason"] and "xero-auth" in out[0]["reason"]
    assert engine.exit_code() == 2 and engine.flush() is False
    assert engine.stop_reasons() == [f"Acme AU: {out[0]['reason']}"]
    out.clear()
    with rm.Mocker() as m:
        org(m)
        m.get(f"{API}/Organisation", status_code=500, json={"Title": "Server error", "Status": 500})
        engine = Engine(config, XeroClient(config, max_tries=1), on_decision=out.append)
        engine.add("invoices", raw_invoice())
    assert out[0]["action"] == "rejected"
    assert "cannot read the settings of organisation 'Acme AU'" in out[0]["reason"]
    out.clear()
    with rm.Mocker() as m:
        org(m)
        m.get(f"{API}/Organisation", status_code=429, headers={"X-Rate-Limit-Problem": "day"})
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        engine.add("invoices", raw_invoice())
        engine.add("invoices", raw_invoice(id=777, invoiceNumber="1777"))
        calls = len(m.request_history)
    assert [d["action"] for d in out] == ["deferred", "deferred"]
    assert calls == 2  # token + the refused Organisation call; nothing after the day limit
    assert engine.exit_code() == 2


def test_a_long_stream_is_written_as_it_arrives_not_held_until_its_state(
    make_config, raw_invoice, monkeypatch
):
    """The lane writes each full batch while intake reads on; only the last, partial batch waits for the
    flush (pipeline.py). Batches of 3 here, so that 7 invoices show it."""
    monkeypatch.setattr("destination_xero.writer.CYCLE", 3)
    monkeypatch.setattr("destination_xero.posting.WRITE_BATCH", 3)
    # invoices wait unplanned until the run has brought PROBE_MIN of them (holdings.py): 3 here too
    monkeypatch.setattr("destination_xero.holdings.PROBE_MIN", 3)
    config = make_config()
    out = []
    with rm.Mocker() as m:
        org(m)
        m.post(re.compile(f"{API}/Invoices"), json={"Invoices": []})
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        for n in range(7):
            engine.add("invoices", raw_invoice(id=600 + n, invoiceNumber=str(2000 + n)))

        def posts() -> list[int]:
            sent = [r for r in m.request_history if r.method == "POST" and "/Invoices" in r.url]
            return [len(json.loads(p.text)["Invoices"]) for p in sent]

        # two writes of 3 before any state arrived; the 7th waits for the flush the state brings
        assert _eventually(lambda: posts() == [3, 3])
        assert engine.flush()
        assert posts() == [3, 3, 1]
        engine.close()


def _eventually(condition, timeout: float = 60.0) -> bool:
    """Wait for a writer lane's progress (another thread) by polling, never by a fixed sleep."""
    pause = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return True
        pause.wait(0.01)
    return condition()


# ---- issue 13: the exact-name contact wins, in either order ---------------------------------------------
def _xero_contacts(m, contacts):
    """Xero holding `contacts`; a POST /Contacts answers each element as written (new ones get an id)."""
    m.get(f"{API}/Contacts", json={"Contacts": contacts})

    def answer(request, context):
        elements = json.loads(request.text)["Contacts"]
        for n, element in enumerate(elements):
            element.setdefault("ContactID", f"new-{element.get('ContactNumber', n)}")
            element.setdefault("ContactStatus", "ACTIVE")
        return {"Contacts": elements}

    m.post(re.compile(f"{API}/Contacts"), json=answer)
    m.post(re.compile(f"{API}/Invoices"), json={"Invoices": []})


def _zurich(raw_invoice, company, name):
    return raw_invoice(
        id=9000 + company, invoiceNumber=f"Z-{company}", company={"id": company, "companyName": name}
    )


def test_the_exact_name_contact_wins_over_an_accent_folded_one_in_either_order(make_config, raw_invoice):
    """Autotask: "Café Zürich GmbH" (201) and "Cafe Zurich GmbH" (202); Xero: contact "Cafe Zurich GmbH".
    Whichever company comes first, 202 gets that contact (claimed with AT-202) and 201 a contact of its
    own with its own name, never an "(AT-…)" duplicate of the other."""
    seeded = {"ContactID": "c-zurich", "Name": "Cafe Zurich GmbH", "ContactStatus": "ACTIVE"}
    invoices = [_zurich(raw_invoice, 201, "Café Zürich GmbH"), _zurich(raw_invoice, 202, "Cafe Zurich GmbH")]
    sent = []
    for order in (invoices, invoices[::-1]):
        config = make_config()
        with rm.Mocker() as m:
            org(m)
            _xero_contacts(m, [dict(seeded)])
            engine = Engine(config, XeroClient(config))
            for raw in order:
                engine.add("invoices", raw)
            assert engine.flush()
            posts = [json.loads(r.text) for r in m.request_history if r.method == "POST" and API in r.url]
        contacts = sorted((c for p in posts for c in p.get("Contacts", [])), key=lambda c: c["ContactNumber"])
        on = {i["InvoiceNumber"]: i["Contact"] for p in posts for i in p.get("Invoices", [])}
        sent.append((contacts, on))
        assert contacts[0]["Name"] == "Café Zürich GmbH" and "ContactID" not in contacts[0]
        assert contacts[1] == {"ContactID": "c-zurich", "ContactNumber": "AT-202"}
        assert on == {"Z-201": {"ContactID": "new-AT-201"}, "Z-202": {"ContactID": "c-zurich"}}
    assert sent[0] == sent[1]  # the same writes whatever the order


def test_an_ambiguous_folded_name_rejects_both_companies_naming_them(make_config, raw_invoice, tmp_path):
    """Companies "Café Zürich GmbH" and "CAFE ZURICH GMBH" both match the contact "Cafe Zurich GmbH" only once
    folded: nothing is written for either, and each rejection names both companies, the contact and how
    to say whose it is."""
    config = make_config(rejected_records_path=str(tmp_path / "rej.jsonl"))
    out = []
    with rm.Mocker() as m:
        org(m)
        _xero_contacts(m, [{"ContactID": "c-zurich", "Name": "Cafe Zurich GmbH", "ContactStatus": "ACTIVE"}])
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        engine.add("invoices", _zurich(raw_invoice, 201, "Café Zürich GmbH"))
        engine.add("invoices", _zurich(raw_invoice, 203, "CAFE ZURICH GMBH"))
        engine.flush()
        assert not [r for r in m.request_history if r.method == "POST" and API in r.url]
    assert {d["key"]: d["action"] for d in out} == {"Z-201": "rejected", "Z-203": "rejected"}
    for decision in out:
        reason = decision["reason"]
        for part in (
            "'Cafe Zurich GmbH' (ContactID c-zurich)",
            "201 'Café Zürich GmbH'",
            "203 'CAFE ZURICH GMBH'",
        ):
            assert part in reason, reason
        assert "ContactNumber to the company it belongs to (AT-201 or AT-203)" in reason
    assert engine.exit_code() == 1
