"""Reliability against bad input (issue 7, row "Bad input"): named cases, each through the real CLIs.

Every case asserts the user-facing result: a config error fails `check` (or the start of a run) with a
message naming the field and the cause; a bad record is rejected and reported by record (Autotask id or
invoice number) while the run carries on; an odd but valid record lands as documented. No case may print a
Python traceback or a secret, and the other records of the same run must land, to the cent, in the right
organisation.
Why the cases share runs: each CLI start costs seconds (airbyte-cdk import), so the record cases are one
`destination-xero write` over the source's real output (read under injected Autotask 500s) with the bad
records mixed in, and the config cases run side by side before it. A case is still judged on its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from demo import configs as demo_configs
from reliability.helpers_bad_input import (
    AU,
    BASE_ID,
    LINE_BASE_ID,
    OUTCOMES,
    SOURCE_CATALOG,
    UK,
    US,
    CliRun,
    Crafter,
    Outcome,
    XeroReader,
    XeroSnapshot,
    cents,
    destination_config,
    leaked,
    record,
    run_cli,
    snapshot,
    source_config,
    write_json,
)
from reliability.helpers_sync import autotask_invoices, faults_injected
from sandbox.jsonmoney import loads
from sandbox.launcher import RunningSandbox

pytestmark = pytest.mark.timeout(900)

CONFIG, RECORDS, VENDOR = "config and credentials", "records and mapping", "vendor errors"
KNOWN_REAL_REJECTIONS = (
    "no TaxType mapped for tax region 'New Zealand GST'",
    "currency USD is not enabled",
    "Xero contact 'acme plumbing'",  # claimed by "ACME Plumbing" and "Acme Plumbing" alike: not guessed
)


# ---- the shared runs -------------------------------------------------------------------------------------
@dataclass
class World:
    info: dict[str, Any]
    secrets: list[str]
    config_runs: dict[str, CliRun]
    faulted_read: CliRun
    faults_500: int
    autotask_numbers: set[str]
    broken_read: CliRun
    batch: CliRun
    rejected: list[dict[str, Any]]
    xero: XeroSnapshot
    real_invoices: list[dict[str, Any]]
    invoice_posts: dict[str, list[int]]  # tenant id -> elements per POST /Invoices
    phase1_writes: int  # write calls to either API while only the config cases ran
    seconds: dict[str, float] = field(default_factory=dict)


def _timed(seconds: dict[str, float], name: str, fn: Callable[[], CliRun]) -> CliRun:
    started = time.monotonic()
    try:
        return fn()
    finally:
        seconds[name] = round(time.monotonic() - started, 1)


def _write_config(info: dict[str, Any], tmp: Path) -> dict[str, Any]:
    """The adapter tests' three-organisation config, plus the mappings some bad records need: a retired
    VAT region mapped to an ARCHIVED TaxType, billing codes mapped to an ARCHIVED account and to an
    expense account that refuses sales tax types."""
    config = destination_config(info, tmp, fail_on_rejections=True)
    config["mappings"]["accounts"]["by_billing_code"] = {
        "BI Legacy Consulting": "250",
        "BI Expense Code": "300",
    }
    uk = config["tenants"][0]["mappings"]["tax"]
    uk["by_region"]["Legacy VAT"] = "TAX001"  # "17.5% (VAT on Income)", ARCHIVED in the UK organisation
    return config


def _config_runs(
    running: RunningSandbox, tmp: Path, write_cfg: dict[str, Any]
) -> dict[str, Callable[[], CliRun]]:
    info = running.info
    dest = ["destination-xero", "check", "--config"]
    runs: dict[str, Callable[[], CliRun]] = {}

    fields = json.loads(json.dumps(write_cfg))
    fields["mappings"]["acounts"] = {"default": "200"}  # typo of "accounts"
    fields["split_policy"] = "merge"
    fields["mappings"]["rounding"]["tolerance"] = -1
    path = write_json(tmp / "dest-fields.json", fields)
    runs["dest_fields"] = lambda: run_cli([*dest, str(path)])

    org = json.loads(json.dumps(write_cfg))
    org["tenants"].append(
        {
            "tenant_id": "00000000-0000-4000-8000-00000000dead",
            "name": "Northwind MSP NZ Ltd",
            "route": {"company_udf": {"name": "Xero Organisation", "values": ["NZ"]}},
        }
    )
    org["mappings"]["branding"] = {"by_template": {"Project Invoice": "Projects (2019 theme)"}}
    org_path = write_json(tmp / "dest-org.json", org)
    runs["dest_org"] = lambda: run_cli([*dest, str(org_path)])

    bad_secret = json.loads(json.dumps(write_cfg))
    bad_secret["auth"]["client_secret"] = "not-the-client-secret-0000"
    secret_path = write_json(tmp / "dest-secret.json", bad_secret)
    runs["dest_client_secret"] = lambda: run_cli([*dest, str(secret_path)])

    missing_file = json.loads(json.dumps(write_cfg))
    missing_file["mapping_file"] = str(tmp / "no-such-mapping.yaml")
    missing_path = write_json(tmp / "dest-mapping-file.json", missing_file)
    runs["dest_mapping_file"] = lambda: run_cli([*dest, str(missing_path)])

    stale = json.loads(json.dumps(write_cfg))
    stale["auth"]["refresh_token"] = "sbx_rt_revoked-or-rotated-elsewhere-0000"
    stale["rejected_records_path"] = str(tmp / "stale-rejected.jsonl")
    stale_path = write_json(tmp / "dest-stale-token.json", stale)
    stale_input = tmp / "stale-input.jsonl"
    runs["dest_refresh_token"] = lambda: run_cli(
        ["destination-xero", "write", "--config", str(stale_path), "--catalog", str(SOURCE_CATALOG)],
        stdin=stale_input,
    )

    src = source_config(info)
    wrong = write_json(tmp / "src-secret.json", {**src, "secret": "not-the-autotask-secret"})
    runs["src_secret"] = lambda: run_cli(["source-autotask", "check", "--config", str(wrong)])
    bad_date = write_json(tmp / "src-date.json", {**src, "start_date": "31/02/2026"})
    runs["src_start_date"] = lambda: run_cli(["source-autotask", "check", "--config", str(bad_date)])

    payments = demo_configs.write_configs(info, tmp, tmp)
    pay_src = json.loads(payments.payments_source.read_text())
    pay_src["auth"] = {**pay_src["auth"], "client_secret": "not-the-client-secret-0000"}
    pay_src["auth"].pop("token_store_path", None)
    pay_src_path = write_json(tmp / "pay-src-secret.json", pay_src)
    runs["pay_src_secret"] = lambda: run_cli(["source-xero-payments", "check", "--config", str(pay_src_path)])
    pay_dst = json.loads(payments.payments_destination.read_text())
    pay_dst["autotask"] = {**pay_dst["autotask"], "secret": "not-the-autotask-secret"}
    pay_dst_path = write_json(tmp / "pay-dst-secret.json", pay_dst)
    runs["pay_dst_secret"] = lambda: run_cli(
        ["destination-autotask-payments", "check", "--config", str(pay_dst_path)]
    )
    return runs


def _pick_template(invoices: list[dict[str, Any]]) -> dict[str, Any]:
    """A real invoice of a UK customer in GBP under UK VAT, with a labour line: the crafted records' shape."""
    for invoice in invoices:
        udfs = {u["name"]: u["value"] for u in invoice["company"].get("userDefinedFields") or []}
        if (
            udfs.get("Xero Organisation") == "UK"
            and invoice.get("taxRegionName") == "UK VAT"
            and (invoice.get("currency") or {}).get("name") == "GBP"
            and invoice["lines"]
            and invoice["lines"][0].get("billingCodeName") == "Project Labour"
        ):
            return invoice
    raise AssertionError("the demo data has no UK VAT invoice in GBP with a Project Labour line")


def _write_calls(running: RunningSandbox) -> int:
    total = 0
    for api in ("autotask", "xero"):
        for call in running.admin(api, "stats")["calls"]:
            path = str(call["path"])
            writes = path.startswith("/api.xro") if api == "xero" else not path.endswith("/query")
            if call["method"] in ("POST", "PUT", "PATCH", "DELETE") and writes:
                total += int(call["count"])
    return total


def _invoices(lines: list[str]) -> list[dict[str, Any]]:
    found = []
    for line in lines:
        message = loads(line)
        if message.get("type") == "RECORD" and message["record"]["stream"] == "invoices":
            found.append(message["record"]["data"])
    return found


def _invoice_posts(running: RunningSandbox) -> dict[str, list[int]]:
    """Elements per `POST /Invoices`, per tenant, from the sandbox's request log."""
    posts: dict[str, list[int]] = {}
    for request in running.admin("xero", "requests"):
        if request.get("method") == "POST" and str(request.get("path", "")).endswith("/Invoices"):
            body = request.get("body") or {}
            if isinstance(body, str):
                body = loads(body or "{}")
            posts.setdefault(str(request.get("tenant")), []).append(len(body.get("Invoices") or []))
    return posts


_BUILT: dict[str, Any] = {}


@pytest.fixture(scope="module")
def world(
    sandbox_process: RunningSandbox, tmp_path_factory: pytest.TempPathFactory, reliability: Any
) -> World:
    """Built once; a failure is remembered too, so the other cases fail fast instead of rebuilding it."""
    if "error" in _BUILT:
        pytest.fail(f"the bad-input runs failed: {_BUILT['error']}")
    if "world" not in _BUILT:
        try:
            _BUILT["world"] = _build(sandbox_process, tmp_path_factory, reliability)
        except Exception as exc:
            _BUILT["error"] = repr(exc)
            raise
    return _BUILT["world"]  # type: ignore[no-any-return]


def _build(running: RunningSandbox, tmp_path_factory: pytest.TempPathFactory, reliability: Any) -> World:
    running.reset()
    tmp = tmp_path_factory.mktemp("bad-input")
    info = running.info
    seconds: dict[str, float] = {}
    write_cfg = _write_config(info, tmp)
    write_path = write_json(tmp / "destination.json", write_cfg)

    # 1. The real read, paged small, under injected Autotask 500s (retried: nothing may be lost).
    numbers = {n for n in autotask_invoices(running) if not n.startswith("id:")}
    src = source_config(info) | {"page_size": 25, "backoff_base_seconds": 0.02}
    src_path = write_json(tmp / "source.json", src)
    running.admin(
        "autotask", "faults", {"rate": reliability.pick(ci=0.08, full=0.2), "kinds": ["500"], "seed": 7}
    )
    read_cmd = ["source-autotask", "read", "--config", str(src_path), "--catalog", str(SOURCE_CATALOG)]
    faulted_read = _timed(seconds, "faulted_read", lambda: run_cli(read_cmd))
    faults_500 = faults_injected(running)["autotask"].get("500", 0)
    running.admin("autotask", "faults", {"rate": 0.0})
    source_lines = [line for line in faulted_read.stdout.splitlines() if line.startswith("{")]
    real = _invoices(source_lines)
    crafter = Crafter(_pick_template(real))

    # 2. The config and credential runs, side by side, faults off (each must fail for its own reason).
    stale = [record("invoices", crafter.invoice(n)) for n in (90, 91)]  # good records, refused token
    (tmp / "stale-input.jsonl").write_text("\n".join(stale) + "\n", encoding="utf-8")
    runs = _config_runs(running, tmp, write_cfg)
    before = _write_calls(running)
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(_timed, seconds, name, fn) for name, fn in runs.items()}
        config_runs = {name: f.result() for name, f in futures.items()}
    phase1_writes = _write_calls(running) - before

    # 3. The batch (real output + bad records) and, meanwhile, a read whose retries give out.
    bad_lines = [line for case in RECORD_CASES for line in case.build(crafter)]
    last_state = max(i for i, line in enumerate(source_lines) if loads(line).get("type") == "STATE")
    lines = source_lines[:last_state] + bad_lines + source_lines[last_state:]
    batch_input = tmp / "batch-input.jsonl"
    batch_input.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogateescape")
    broken = source_config(info) | {"page_size": 25, "max_retries": 1, "backoff_base_seconds": 0}
    broken_cmd = [
        "source-autotask",
        "read",
        "--config",
        str(write_json(tmp / "source-broken.json", broken)),
        "--catalog",
        str(SOURCE_CATALOG),
    ]
    write_cmd = ["destination-xero", "write", "--config", str(write_path), "--catalog", str(SOURCE_CATALOG)]
    with ThreadPoolExecutor(max_workers=1) as pool:
        batch_future = pool.submit(
            _timed, seconds, "batch_write", lambda: run_cli(write_cmd, stdin=batch_input)
        )
        running.admin("autotask", "faults", {"rate": 0.45, "kinds": ["500"], "seed": 11})
        broken_read = _timed(seconds, "broken_read", lambda: run_cli(broken_cmd))
        running.admin("autotask", "faults", {"rate": 0.0})
        batch = batch_future.result()

    rejected_path = Path(write_cfg["rejected_records_path"])
    rejected = [loads(x) for x in rejected_path.read_text().splitlines()] if rejected_path.exists() else []
    return World(
        info=info,
        secrets=running.secrets(),
        config_runs=config_runs,
        faulted_read=faulted_read,
        faults_500=faults_500,
        autotask_numbers=numbers,
        broken_read=broken_read,
        batch=batch,
        rejected=rejected,
        xero=snapshot(XeroReader(info, info["xero"]["refresh_token"])),
        real_invoices=real,
        invoice_posts=_invoice_posts(running),
        phase1_writes=phase1_writes,
        seconds=seconds,
    )


# ---- judging ---------------------------------------------------------------------------------------------
Verdict = tuple[bool, str]  # (clear, detail)


def _has(text: str, needles: list[str]) -> list[str]:
    folded = text.casefold()
    return [n for n in needles if n.casefold() not in folded]


def _rejections(world: World, n: int) -> list[dict[str, Any]]:
    number, source_id = Crafter.number(n), BASE_ID + n
    return [r for r in world.rejected if r.get("autotask_id") == source_id or r.get("key") == number]


def rejected_as(n: int, *needles: str) -> Callable[[World], Verdict]:
    """The record is in the rejected-records file and in the run's log, with a reason that names it and its
    cause; nothing with its number reached Xero."""

    def judge(world: World) -> Verdict:
        found = _rejections(world, n)
        if not found:
            return False, f"no rejected-records line for BI-{n:03d} / {BASE_ID + n}"
        text = " | ".join(
            f"{r['key']} {r['reason']} {'; '.join(r.get('xero_messages') or [])}" for r in found
        )
        logged = [
            m
            for m in world.batch.logs()
            if m.startswith("rejected") and (f"BI-{n:03d}" in m or str(BASE_ID + n) in m)
        ]
        missing = _has(text, list(needles))
        if missing or not logged:
            return False, f"reason {text!r} lacks {missing}; logged: {bool(logged)}"
        if world.xero.find(f"BI-{n:03d}") is not None:
            return False, f"BI-{n:03d} was rejected yet is in Xero"
        return True, found[0]["reason"][:200]

    return judge


def landed_as(
    n: int, total: str, check: Callable[[dict[str, Any]], str | None] | None = None
) -> Callable[[World], Verdict]:
    """The record is in the UK organisation, once, with the Autotask total to the cent."""

    def judge(world: World) -> Verdict:
        hit = world.xero.find(f"BI-{n:03d}")
        if hit is None:
            return (
                False,
                f"BI-{n:03d} is not in Xero; rejected as {[r['reason'] for r in _rejections(world, n)]}",
            )
        tenant, doc = hit
        if tenant != UK or cents(doc["Total"]) != Decimal(total):
            return False, f"BI-{n:03d} in {tenant} with total {doc['Total']}, expected {UK} {total}"
        problem = check(doc) if check else None
        return (problem is None), problem or f"landed in {tenant}, total {doc['Total']}"

    return judge


@dataclass(frozen=True)
class RecordCase:
    id: str
    group: str
    build: Callable[[Crafter], list[str]]
    judge: Callable[[World], Verdict]


def _inv(n: int, **over: Any) -> Callable[[Crafter], list[str]]:
    return lambda c: [record("invoices", c.invoice(n, **over))]


def _without(n: int, key: str) -> Callable[[Crafter], list[str]]:
    def build(c: Crafter) -> list[str]:
        invoice = c.invoice(n)
        del invoice[key]
        return [record("invoices", invoice)]

    return build


def _lines(n: int, *specs: tuple[str, str], **over: Any) -> Callable[[Crafter], list[str]]:
    return lambda c: [
        record("invoices", c.invoice(n, [c.line(n, i, q, r) for i, (q, r) in enumerate(specs, 1)], **over))
    ]


def _line_over(n: int, **over: Any) -> Callable[[Crafter], list[str]]:
    return lambda c: [record("invoices", c.invoice(n, [c.line(n, 1, "2", "50.00", **over)]))]


def _line_count(n: int) -> Callable[[Crafter], list[str]]:
    return lambda c: [
        record(
            "invoices", c.invoice(n, [c.line(n, 1, "1", "10.00"), c.line(n, 2, "1", "20.00")], lineCount=3)
        )
    ]


def _drift(n: int) -> Callable[[Crafter], list[str]]:
    def build(c: Crafter) -> list[str]:
        line = c.line(n, 1, "3", "40.50", futureLineField={"x": [1, 2]}, newPicklist=7)
        invoice = c.invoice(n, [line], someFutureField={"nested": True}, invoiceEditorVersion=12)
        invoice["company"] = {**invoice["company"], "loyaltyTier": "gold", "parentCompany": {"id": 1}}
        return [record("invoices", invoice)]

    return build


def _stringly(n: int) -> Callable[[Crafter], list[str]]:
    def build(c: Crafter) -> list[str]:
        line = c.line(n, 1, "3", "40.50")
        line.update(quantity="3", rate="40.5000", extendedPrice="121.5000", taxDollars="0")
        return [record("invoices", c.invoice(n, [line], invoiceTotal="121.5000", totalTaxValue="0.0000"))]

    return build


def _non_utf8(n: int) -> Callable[[Crafter], list[str]]:
    # "\udce9" becomes the single byte 0xE9 when written with surrogateescape: Latin-1 "é", invalid UTF-8.
    return lambda c: [
        record(
            "invoices",
            c.invoice(
                n,
                [
                    c.line(
                        n,
                        1,
                        "1",
                        "15.00",
                        description="Caf\udce9 Nova menu",
                        lineItemFullDescription="Caf\udce9 Nova menu",
                    )
                ],
            ),
        )
    ]


def _non_utf8_landed(n: int) -> Callable[[World], Verdict]:
    """The one bad byte is replaced (U+FFFD) and reported with its input line; the record still lands."""
    inner = landed_as(
        n,
        "15.00",
        lambda d: (
            None
            if _first_line(d).get("Description") == "Caf\ufffd Nova menu"
            else f"description {_first_line(d).get('Description')!r}"
        ),
    )
    warned = _log_names("not valid UTF-8", "byte 0xe9")

    def judge(world: World) -> Verdict:
        (ok, detail), (logged, line) = inner(world), warned(world)
        return ok and logged, f"{detail}; {line}"

    return judge


UNICODE = 'Café \u2013 東京 ✓ 😀 Zoë\'s "quoted" <tag> & co'
LONG = "Monthly managed services for 250 endpoints. " * 230  # 10,350 characters


def _described(n: int, text: str) -> Callable[[Crafter], list[str]]:
    return lambda c: [
        record(
            "invoices",
            c.invoice(n, [c.line(n, 1, "1", "30.00", description=text, lineItemFullDescription=text)]),
        )
    ]


def _first_line(doc: dict[str, Any]) -> dict[str, Any]:
    return dict((doc.get("LineItems") or [{}])[0])


def _twice(n: int) -> Callable[[Crafter], list[str]]:
    return lambda c: [record("invoices", c.invoice(n)), record("invoices", c.invoice(n))]


def _po_without_vendor(n: int) -> Callable[[Crafter], list[str]]:
    po = {
        "id": BASE_ID + n,
        "createDateTime": "2026-10-01T10:00:00.000Z",
        "status": 2,
        "items": [{"id": LINE_BASE_ID + n * 10, "quantity": 1, "unitCost": 12.5, "memo": "Patch leads"}],
    }
    return lambda c: [record("purchase_orders", po)]


def _not_json(n: int) -> Callable[[Crafter], list[str]]:
    return lambda c: ['{"type": "RECORD", "record": {"stream": "invoices", "data": {"id": 390000' + str(n)]


def _unknown_stream(n: int) -> Callable[[Crafter], list[str]]:
    return lambda c: [record("tickets", {"id": BASE_ID + n, "title": "Printer on fire"})]


def _log_names(*needles: str) -> Callable[[World], Verdict]:
    def judge(world: World) -> Verdict:
        hits = [m for m in world.batch.logs() if not _has(m, list(needles))]
        return bool(hits), (hits[0][:200] if hits else f"no log line with {needles}")

    return judge


def _unique_invoice(n: int, total: str) -> Callable[[World], Verdict]:
    inner = landed_as(n, total)

    def judge(world: World) -> Verdict:
        posted = sum(1 for r in world.rejected if r.get("key") == f"BI-{n:03d}")
        ok, detail = inner(world)
        return ok and posted == 0, detail + (f"; {posted} rejection(s)" if posted else "")

    return judge


RECORD_CASES: list[RecordCase] = [
    RecordCase(
        "invoice_number_missing",
        RECORDS,
        _inv(1, invoiceNumber=None),
        rejected_as(1, "39000001", "invoiceNumber is missing"),
    ),
    RecordCase("invoice_id_missing", RECORDS, _without(2, "id"), rejected_as(2, "BI-002", "id is missing")),
    RecordCase(
        "company_snapshot_missing",
        RECORDS,
        _inv(3, company=None),
        rejected_as(3, "BI-003", "company", "missing"),
    ),
    RecordCase(
        "invoice_without_lines",
        RECORDS,
        _inv(4, lines=[]),
        rejected_as(4, "BI-004", "lines is missing or empty"),
    ),
    RecordCase(
        "partial_record_line_count",
        RECORDS,
        _line_count(5),
        rejected_as(5, "BI-005", "lineCount says 3 lines but 2 arrived"),
    ),
    RecordCase(
        "amount_not_a_number",
        RECORDS,
        _line_over(6, rate="12.5O"),
        rejected_as(6, "BI-006", "rate is not a number", "12.5O"),
    ),
    RecordCase(
        "date_not_a_date",
        RECORDS,
        _inv(7, invoiceDateTime="31/02/2026"),
        rejected_as(7, "invoiceDateTime", "not a date", "31/02/2026"),
    ),
    RecordCase(
        "unmapped_tax_region",
        RECORDS,
        _inv(8, taxRegionName="Atlantis VAT"),
        rejected_as(8, "BI-008", "no TaxType mapped for tax region 'Atlantis VAT'", "line 39100081"),
    ),
    RecordCase(
        "inactive_xero_tax_rate",
        RECORDS,
        _inv(9, taxRegionName="Legacy VAT"),
        rejected_as(9, "BI-009", "TaxType 'TAX001' is ARCHIVED", UK),
    ),
    RecordCase(
        "account_refuses_tax_type",
        VENDOR,
        _line_over(10, billingCodeName="BI Expense Code"),
        rejected_as(10, "BI-010", "Xero rejected", "300"),
    ),
    RecordCase(
        "archived_account_code",
        VENDOR,
        _line_over(11, billingCodeName="BI Legacy Consulting"),
        rejected_as(11, "BI-011", "Xero rejected", "250"),
    ),
    RecordCase(
        "item_code_too_long",
        RECORDS,
        _line_over(12, productID=39900012, productName="Rack kit", sku="RACK-KIT-" + "X" * 30),
        # shortened by the declared rule (destination_xero/item_codes.py): 21 characters, "-", 8 hex digits
        # of the SHA-256 of the whole code; the invoice lands, on an item created under that code
        landed_as(
            12,
            "100.00",
            lambda d: (
                None
                if _first_line(d).get("ItemCode") == "RACK-KIT-XXXXXXXXXXXX-41B1318F"
                else f"item code {_first_line(d).get('ItemCode')!r}"
            ),
        ),
    ),
    RecordCase("schema_drift_unknown_fields", RECORDS, _drift(13), landed_as(13, "121.50")),
    RecordCase("numbers_as_strings", RECORDS, _stringly(14), landed_as(14, "121.50")),
    RecordCase(
        "non_utf8_description",
        RECORDS,
        _non_utf8(15),
        _non_utf8_landed(15),
    ),
    RecordCase(
        "unicode_description",
        RECORDS,
        _described(16, UNICODE),
        landed_as(
            16,
            "30.00",
            lambda d: (
                None
                if _first_line(d).get("Description") == UNICODE
                else f"description {_first_line(d).get('Description')!r}"
            ),
        ),
    ),
    RecordCase(
        "very_long_description",
        RECORDS,
        _described(17, LONG),
        landed_as(
            17,
            "30.00",
            lambda d: (
                None
                if _first_line(d).get("Description") == LONG[:4000]
                else f"description of {len(_first_line(d).get('Description', ''))} chars"
            ),
        ),
    ),
    RecordCase(
        "negative_quantity_line",
        RECORDS,
        _lines(18, ("2", "100.00"), ("-1", "25.00")),
        landed_as(
            18,
            "175.00",
            lambda d: (
                None
                if any(Decimal(str(li["Quantity"])) == -1 for li in d["LineItems"])
                else "the -1 line is missing"
            ),
        ),
    ),
    RecordCase("zero_value_invoice", RECORDS, _lines(19, ("1", "0.00")), landed_as(19, "0.00")),
    RecordCase("same_invoice_twice_in_a_run", RECORDS, _twice(20), _unique_invoice(20, "100.00")),
    RecordCase(
        "purchase_order_without_vendor",
        RECORDS,
        _po_without_vendor(21),
        rejected_as(21, "39000021", "vendor", "missing"),
    ),
    RecordCase("truncated_json_line", RECORDS, _not_json(22), _log_names("390000")),
    RecordCase("unknown_stream", RECORDS, _unknown_stream(23), _log_names("tickets", "not used")),
]


# ---- cases on the demo's own data, and vendor errors -----------------------------------------------------
def _company_invoices(world: World, name: str) -> list[dict[str, Any]]:
    return [
        r
        for r in world.real_invoices
        if r["company"]["companyName"] == name and r.get("invoiceNumber") and not r["isVoided"]
    ]


def _archived_contact(world: World) -> Verdict:
    """ "Old Mill Accountants" is ARCHIVED in the UK organisation: it is restored and used, not duplicated."""
    found = [c for c in world.xero.contacts[UK] if c["Name"].casefold() == "old mill accountants"]
    invoices = _company_invoices(world, "Old Mill Accountants")
    if len(found) != 1 or found[0]["ContactStatus"] != "ACTIVE" or not invoices:
        return False, f"contacts {[(c['Name'], c['ContactStatus']) for c in found]}, {len(invoices)} invoices"
    for invoice in invoices:
        hit = world.xero.find(str(invoice["invoiceNumber"]))
        if hit is None or hit[1]["Contact"]["ContactID"] != found[0]["ContactID"]:
            return False, f"invoice {invoice['invoiceNumber']} is not on the restored contact"
    return True, f"1 contact restored to ACTIVE, {len(invoices)} invoice(s) on it"


def _duplicate_name(world: World) -> Verdict:
    """ "ACME Plumbing" and "Acme Plumbing" are two customers; Xero (US) holds one "acme plumbing", the exact
    name of neither. Whose it is is not guessed (BEHAVIOR.md "Contacts"): every invoice of both is rejected
    with a reason naming both companies and the contact, none is in Xero, so none is merged into the other's
    contact, and the contact is left as it was."""
    names = ("ACME Plumbing", "Acme Plumbing")
    invoices = [i for name in names for i in _company_invoices(world, name)]
    reasons = {r.get("autotask_id"): str(r.get("reason")) for r in world.rejected}
    for invoice in invoices:
        reason = reasons.get(invoice["id"], "")
        if not all(part in reason for part in ("'acme plumbing'", *names, "cannot be told")):
            return False, f"invoice {invoice['invoiceNumber']}: rejected as {reason!r}"
        if world.xero.find(str(invoice["invoiceNumber"])) is not None:
            return False, f"invoice {invoice['invoiceNumber']} was rejected yet is in Xero"
    contacts = [c for c in world.xero.contacts[US] if c["Name"].casefold() == "acme plumbing"]
    if len(contacts) != 1 or contacts[0].get("ContactNumber"):
        return False, f"contacts {[(c['Name'], c.get('ContactNumber')) for c in contacts]}"
    return bool(invoices), f"{len(invoices)} invoices rejected as ambiguous, the contact untouched"


def _currency_not_enabled(world: World) -> Verdict:
    invoices = _company_invoices(world, "Pacific Freight Co")
    reasons = [r["reason"] for r in world.rejected if r.get("autotask_id") in {i["id"] for i in invoices}]
    wanted = f"currency USD is not enabled in organisation '{AU}'"
    ok = bool(invoices) and len(reasons) == len(invoices) and all(wanted in r for r in reasons)
    landed = [i["invoiceNumber"] for i in invoices if world.xero.find(str(i["invoiceNumber"]))]
    return ok and not landed, f"{len(reasons)}/{len(invoices)} rejected: {reasons[:1]}; landed {landed}"


def _oversized_batch(world: World) -> Verdict:
    uk_id = {t["name"]: t["tenant_id"] for t in world.info["xero"]["tenants"]}[UK]
    sizes = world.invoice_posts.get(uk_id, [])
    ok = len(sizes) >= 3 and max(sizes) <= 50 and sum(sizes) >= 120
    return ok, f"{sum(sizes)} UK invoices in {len(sizes)} POSTs of at most {max(sizes or [0])}"


def _faulted_read(world: World) -> Verdict:
    run = world.faulted_read
    ids = [
        m["record"]["data"]["invoiceNumber"]
        for m in run.messages()
        if m.get("type") == "RECORD" and m["record"]["stream"] == "invoices"
    ]
    dupes = len(ids) - len(set(ids))
    ok = run.code == 0 and world.faults_500 > 0 and set(ids) == world.autotask_numbers and not dupes
    return (
        ok,
        f"exit {run.code}, {world.faults_500} HTTP 500 injected, "
        f"{len(set(ids))}/{len(world.autotask_numbers)} invoices, {dupes} dup",
    )


def _broken_read(world: World) -> Verdict:
    run = world.broken_read
    text = run.user_message()
    entity = any(
        e in text for e in ("Invoices", "Companies", "BillingItems", "Products", "Contacts", "Taxes", "zone")
    )
    missing = _has(text, ["500"])
    ok = run.code != 0 and entity and not missing and "query" in text
    return ok, (run.trace_errors() or [text[-300:]])[0][:300]


@dataclass(frozen=True)
class WorldCase:
    id: str
    group: str
    judge: Callable[[World], Verdict]
    run: Callable[[World], CliRun]


def _batch(world: World) -> CliRun:
    return world.batch


WORLD_CASES: list[WorldCase] = [
    WorldCase("archived_xero_contact", RECORDS, _archived_contact, _batch),
    WorldCase("duplicate_contact_name", RECORDS, _duplicate_name, _batch),
    WorldCase("currency_not_enabled", RECORDS, _currency_not_enabled, _batch),
    WorldCase("oversized_batch", VENDOR, _oversized_batch, _batch),
    WorldCase("autotask_500s_mid_paging", VENDOR, _faulted_read, lambda w: w.faulted_read),
    WorldCase("autotask_500s_retries_exhausted", VENDOR, _broken_read, lambda w: w.broken_read),
]


# ---- config and credential cases -------------------------------------------------------------------------
def _failed_check(run_name: str, *needles: str) -> Callable[[World], Verdict]:
    def judge(world: World) -> Verdict:
        run = world.config_runs[run_name]
        status = run.connection_status() or {}
        text = run.user_message()
        missing = _has(text, list(needles))
        ok = status.get("status") == "FAILED" and not missing
        return ok, f"{status.get('status')}: {str(status.get('message') or text[-300:])[:300]}" + (
            f" (lacks {missing})" if missing else ""
        )

    return judge


def _refused_token(world: World) -> Verdict:
    run = world.config_runs["dest_refresh_token"]
    text = "\n".join(run.trace_errors())
    missing = _has(text, ["refresh token", "invalid_grant", "Reconnect"])
    written = [n for n in ("BI-090", "BI-091") if world.xero.find(n)]
    ok = run.code != 0 and not missing and not written
    return ok, text[:300] + (f" (lacks {missing})" if missing else "") + (
        f"; written {written}" if written else ""
    )


CONFIG_CASES: list[tuple[str, Callable[[World], Verdict], str]] = [
    (
        "config_unknown_key",
        _failed_check("dest_fields", "mappings.acounts", "Extra inputs are not permitted"),
        "dest_fields",
    ),
    (
        "config_bad_enum_value",
        _failed_check("dest_fields", "split_policy", "'split' or 'reject'"),
        "dest_fields",
    ),
    (
        "config_out_of_range",
        _failed_check("dest_fields", "tolerance", "greater than or equal to 0"),
        "dest_fields",
    ),
    (
        "mapping_file_missing",
        _failed_check("dest_mapping_file", "mapping_file", "cannot read", "no-such-mapping.yaml"),
        "dest_mapping_file",
    ),
    (
        "unknown_tenant",
        _failed_check("dest_org", "Northwind MSP NZ Ltd", "not connected to this app", "reachable"),
        "dest_org",
    ),
    (
        "inactive_tax_rate_in_mapping",
        _failed_check("dest_org", UK, "TaxType 'TAX001' is ARCHIVED"),
        "dest_org",
    ),
    (
        "archived_account_in_mapping",
        _failed_check("dest_org", UK, "account code '250' is ARCHIVED"),
        "dest_org",
    ),
    (
        "branding_theme_missing",
        _failed_check("dest_org", "branding theme 'Projects (2019 theme)' does not exist"),
        "dest_org",
    ),
    (
        "xero_client_secret_wrong",
        _failed_check("dest_client_secret", "client_secret", "invalid_client"),
        "dest_client_secret",
    ),
    ("xero_refresh_token_refused", _refused_token, "dest_refresh_token"),
    ("autotask_secret_wrong", _failed_check("src_secret", "Autotask refused the credentials"), "src_secret"),
    (
        "autotask_start_date_invalid",
        _failed_check("src_start_date", "start_date", "not a date", "31/02/2026"),
        "src_start_date",
    ),
    (
        "payments_xero_secret_wrong",
        _failed_check("pay_src_secret", "client_secret", "invalid_client"),
        "pay_src_secret",
    ),
    (
        "payments_autotask_secret_wrong",
        _failed_check("pay_dst_secret", "Autotask", "secret was refused", "check `secret`"),
        "pay_dst_secret",
    ),
]


# ---- the tests -------------------------------------------------------------------------------------------
def _batch_others_ok(world: World) -> Verdict:
    """Every real numbered invoice landed in its organisation with Autotask's total, unless it is one the
    demo data holds back on purpose (New Zealand GST unmapped, USD not enabled in AU)."""
    bad = []
    for invoice in world.real_invoices:
        number = invoice.get("invoiceNumber")
        if not number or invoice["isVoided"]:
            continue
        reasons = [r["reason"] for r in world.rejected if r.get("autotask_id") == invoice["id"]]
        if reasons:
            if not all(any(k in r for k in KNOWN_REAL_REJECTIONS) for r in reasons):
                bad.append(f"{number}: {reasons[0][:120]}")
            continue
        hit = world.xero.find(str(number))
        if hit is None or cents(hit[1]["Total"]) != cents(invoice["invoiceTotal"]):
            bad.append(f"{number}: {hit and hit[1]['Total']} vs {invoice['invoiceTotal']}")
    return not bad, f"{len(bad)} real invoice(s) wrong: {bad[:3]}"


def _judge_and_record(
    case: str, group: str, verdict: Verdict, run: CliRun, world: World, others: Verdict
) -> Outcome:
    leaks = leaked(run, world.secrets)
    outcome = Outcome(
        case,
        group,
        verdict[0] and not leaks,
        run.traceback,
        others[0],
        verdict[1] + (f"; leaked {leaks}" if leaks else ""),
    )
    OUTCOMES.append(outcome)
    return outcome


def _assert(outcome: Outcome, others: Verdict, run: CliRun) -> None:
    assert outcome.clear, outcome.detail
    assert not outcome.traceback, run.text[run.text.find("Traceback") - 300 :][:1500]
    assert outcome.others_ok, others[1]


@pytest.mark.parametrize("case", RECORD_CASES, ids=[c.id for c in RECORD_CASES])
def test_bad_record(world: World, case: RecordCase) -> None:
    others = _batch_others_ok(world)
    outcome = _judge_and_record(case.id, case.group, case.judge(world), world.batch, world, others)
    assert world.batch.code == 1 and any("rejected" in t for t in world.batch.trace_errors()), (
        world.batch.trace_errors()
    )
    _assert(outcome, others, world.batch)


@pytest.mark.parametrize("case", WORLD_CASES, ids=[c.id for c in WORLD_CASES])
def test_bad_data_and_vendor_errors(world: World, case: WorldCase) -> None:
    others = _batch_others_ok(world)
    outcome = _judge_and_record(case.id, case.group, case.judge(world), case.run(world), world, others)
    _assert(outcome, others, case.run(world))


@pytest.mark.parametrize(("case", "judge", "run_name"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_bad_config(world: World, case: str, judge: Callable[[World], Verdict], run_name: str) -> None:
    run = world.config_runs[run_name]
    others = _nothing_written_by_config_runs(world)
    outcome = _judge_and_record(case, CONFIG, judge(world), run, world, others)
    _assert(outcome, others, run)


def _nothing_written_by_config_runs(world: World) -> Verdict:
    return world.phase1_writes == 0, f"{world.phase1_writes} write call(s) while the config cases ran"


def test_bad_input_summary(world: World, reliability: Any) -> None:
    """One table row per group, computed from the outcomes the cases above recorded."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in OUTCOMES:
        groups.setdefault(outcome.group, []).append(outcome)
    assert groups, "no bad-input case ran"
    total = 0
    for group, outcomes in sorted(groups.items()):
        n = len(outcomes)
        clear = sum(o.clear for o in outcomes)
        tracebacks = sum(o.traceback for o in outcomes)
        others = sum(o.others_ok for o in outcomes)
        total += n
        reliability.row(
            "Bad input",
            f"{group} ({n} cases)",
            measured=f"{clear}/{n} clear, {tracebacks} tracebacks, others unaffected in {others}/{n}",
            target=f"{n}/{n} clear, 0 tracebacks, others unaffected",
            met=clear == n and tracebacks == 0 and others == n,
        )
    print(f"bad-input run times (s): {world.seconds}")
    assert total >= 30, f"only {total} bad-input cases ran"
    failed = [o for o in OUTCOMES if not (o.clear and not o.traceback and o.others_ok)]
    assert not failed, failed
