"""The run report (`report_path`) through both CLIs on the sandbox: every run writes one at its end, a
failed run (rejections), a dry run and an early stop (Xero's daily limit) included, and each says what to
do next; the closing lines of the log say the same in a finance admin's words."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from connector_kit.run_report import load_report
from sandbox import launcher

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_adapter_support import CATALOGS, XeroReader, script

UK = "Northwind MSP Ltd"
Q4 = Decimal("0.0001")
CATALOG = CATALOGS / "configured_catalog.json"
# Words a finance admin should not have to read at the end of a run (HTTP, API paths, platform plumbing).
JARGON = ("429", "PUT /", "POST /", "GET /", "state", "HTTP")


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with launcher.running_sandbox("demo", rate_limits="off") as running:
        yield running


def _config(info: dict[str, Any], tmp: Path, refresh_token: str | None = None, **over: Any) -> Path:
    x = info["xero"]
    uk = next(t["tenant_id"] for t in x["tenants"] if t["name"] == UK)
    config = {
        "auth": {
            "type": "refresh_token",
            "client_id": x["client_id"],
            "client_secret": x["client_secret"],
            "refresh_token": refresh_token or x["refresh_token"],
            "token_store_path": str(tmp / "token.json"),
        },
        "xero": {"api_url": x["api_url"], "identity_url": x["identity_url"]},
        "mappings": {"tax": {"by_region": {"UK VAT": "OUTPUT2"}}, "accounts": {"default": "200"}},
        "tenants": [{"tenant_id": uk, "name": UK}],
        "rejected_records_path": str(tmp / "rejected.jsonl"),
        "report_path": str(tmp / "reports" / "run-report.json"),
        **over,
    }
    path = tmp / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _invoice(iid: int, region: str) -> dict[str, Any]:
    ext = Decimal("10.0000")
    tax = (ext * Decimal("0.2")).quantize(Q4, ROUND_HALF_UP)
    return {
        "id": iid,
        "invoiceNumber": f"RR-{iid}",
        "invoiceDateTime": "2026-09-02T00:00:00.000Z",
        "invoiceTotal": str(ext + tax),
        "isVoided": False,
        "taxRegionName": region,
        "company": {"id": 43, "companyName": "Report Ltd"},
        "lines": [
            {
                "id": iid * 10,
                "description": "Support",
                "quantity": "1",
                "rate": "10",
                "extendedPrice": str(ext),
                "taxDollars": str(tax),
                "taxCategoryName": "Labour",
            }
        ],
        "lineCount": 1,
    }


def _input(cli: str, records: list[dict[str, Any]]) -> str:
    if cli == "singer":
        schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
        lines: list[dict[str, Any]] = [
            {"type": "SCHEMA", "stream": "invoices", "schema": schema, "key_properties": ["id"]},
            *({"type": "RECORD", "stream": "invoices", "record": r} for r in records),
            {"type": "STATE", "value": {"bookmarks": {"invoices": {"cursor": records[-1]["id"]}}}},
        ]
    else:
        lines = [
            *(
                {"type": "RECORD", "record": {"stream": "invoices", "data": r, "emitted_at": 0}}
                for r in records
            ),
            {
                "type": "STATE",
                "state": {
                    "type": "STREAM",
                    "stream": {
                        "stream_descriptor": {"name": "invoices"},
                        "stream_state": {"cursor": records[-1]["id"]},
                    },
                },
            },
        ]
    return "\n".join(json.dumps(x) for x in lines) + "\n"


COMMANDS = {
    "singer": lambda config: [script("target-xero"), "--config", str(config)],
    "airbyte": lambda config: [
        script("destination-xero"),
        "write",
        "--config",
        str(config),
        "--catalog",
        str(CATALOG),
    ],
}


def _closing_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    """The log lines after the JSON `summary` line: what the run says at its end."""
    lines = []
    for raw in (proc.stdout + "\n" + proc.stderr).splitlines():
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("type") == "LOG":
            lines.append(str(message["log"]["message"]))
        elif isinstance(message, dict) and message.get("type") == "TRACE":
            lines.append(str(((message.get("trace") or {}).get("error") or {}).get("message", "")))
        elif message is None and raw.strip():
            lines.append(raw.split(" | ")[-1])
    starts = [i for i, line in enumerate(lines) if line.startswith("summary {")]
    assert starts, lines[-20:]
    return lines[starts[-1] + 1 :]


def _run(cli: str, config: Path, records: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        COMMANDS[cli](config), input=_input(cli, records), capture_output=True, text=True, timeout=240
    )


@pytest.mark.parametrize("cli", sorted(COMMANDS))
def test_a_run_with_rejections_writes_a_report_that_says_what_to_do(
    sb: Any, tmp_path: Path, cli: str
) -> None:
    sb.reset()
    config = _config(sb.info, tmp_path)
    records = [_invoice(8301, "Narnia"), _invoice(8302, "Narnia"), _invoice(8303, "UK VAT")]
    proc = _run(cli, config, records)
    assert proc.returncode == 1, proc.stderr[-3000:]
    report = load_report(tmp_path / "reports" / "run-report.json")
    assert (report.connector, report.schema_version, report.dry_run) == ("destination-xero", 1, False)
    assert report.exit_status == 1 and report.started_at <= report.finished_at
    (uk,) = report.organisations
    assert uk.name == UK and uk.count("invoice", "created") == 1 and uk.count("invoice", "rejected") == 2
    assert uk.contacts_created == 1
    (group,) = uk.rejections
    assert group.documents == ["RR-8301", "RR-8302"] and group.kind == "invoice"
    assert group.example == "no TaxType mapped for tax region 'Narnia'"
    step = (
        "Map the tax region 'Narnia' to a Xero tax rate (mappings.tax.by_region in the mapping file), then "
        "the next run sends these 2 invoices again: RR-8301, RR-8302."
    )
    assert group.next_step == step and report.next_steps == [f"{UK}: {step}"]
    (xero,) = uk.usage
    assert xero.vendor == "xero" and xero.calls > 0 and xero.response_bytes and xero.response_bytes > 0
    assert report.rejected_records_path == str(tmp_path / "rejected.jsonl")
    closing = _closing_lines(proc)
    assert f"{UK}: 1 created, 2 rejected; 1 contact created; {xero.calls} Xero calls" in closing[0]
    assert f"{UK}: {step}" in closing
    assert any(line.startswith("run report written to ") for line in closing)
    finance = [line for line in closing if "not in Xero as Autotask has them" not in line]
    assert not [line for line in finance if any(word in line for word in JARGON)], finance


def test_a_dry_run_report_says_nothing_was_written(sb: Any, tmp_path: Path) -> None:
    sb.reset()
    config = _config(sb.info, tmp_path, dry_run=True)
    proc = _run("singer", config, [_invoice(8311, "Narnia"), _invoice(8312, "UK VAT")])
    assert proc.returncode == 1, proc.stderr[-3000:]  # what the real run would end with
    report = load_report(tmp_path / "reports" / "run-report.json")
    assert report.dry_run is True and report.rejected_records_path is None
    assert report.organisations[0].count("invoice", "created") == 1
    assert report.next_steps[-1].startswith("This was a dry run: nothing was written to Xero.")
    assert not (tmp_path / "rejected.jsonl").exists()
    assert f"{UK}: dry run, nothing written: 1 created, 1 rejected" in "\n".join(_closing_lines(proc))


# ---- an early stop: Xero's daily limit -----------------------------------------------------------------
def _spend_day_quota(reader: XeroReader, tenant: str, leave: int = 1) -> int:
    """Call until Xero says at most `leave` calls remain today for (app, tenant); 5 in flight at most."""
    headers = {
        "Authorization": f"Bearer {reader.token}",
        "xero-tenant-id": reader.tenants[tenant],
        "Accept": "application/json",
    }
    done, lock, lowest = threading.Event(), threading.Lock(), [10**6]

    def worker() -> None:
        with requests.Session() as session:
            while not done.is_set():
                response = session.get(f"{reader.api}/Organisation", headers=headers, timeout=30)
                remaining = response.headers.get("X-DayLimit-Remaining")
                if response.status_code == 429 and response.headers.get("X-Rate-Limit-Problem") == "day":
                    with lock:
                        lowest[0] = 0
                    done.set()
                elif remaining is not None and response.status_code == 200:
                    with lock:
                        lowest[0] = min(lowest[0], int(remaining))
                        if lowest[0] <= leave:
                            done.set()

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return lowest[0]


def test_an_early_stop_on_the_day_limit_writes_a_report_that_says_what_follows(tmp_path: Path) -> None:
    """Starter tier (1,000 calls a day), days 1,000 times shorter: the UK organisation's calls are spent
    just before the run, which stops on its first call; the report names what was left for the next run."""
    with launcher.running_sandbox("demo", rate_limits="scaled:1000", xero_tier="starter") as limited:
        reader = XeroReader(limited.info, limited.info["xero"]["refresh_token"])
        assert _spend_day_quota(reader, UK) <= 1
        config = _config(limited.info, tmp_path, refresh_token=reader.refresh_token)
        proc = _run("airbyte", config, [_invoice(8321, "UK VAT"), _invoice(8322, "UK VAT")])
    assert proc.returncode == 1, proc.stderr[-3000:]
    report = load_report(tmp_path / "reports" / "run-report.json")
    (uk,) = report.organisations
    assert uk.stopped and "daily call limit" in uk.stopped
    assert uk.count("invoice", "deferred") == 2 and uk.count("invoice", "created") == 0
    assert report.exit_status == 1 and report.stop_reasons == [f"{UK}: {uk.stopped}"]
    (step,) = report.next_steps
    assert step.startswith(f"{UK}: Xero's daily call limit for this organisation is used up")
    assert "run the sync again after the reset and it sends the 2 documents left over" in step
    closing = _closing_lines(proc)
    assert step in closing and closing[-1].startswith(f"{UK}: Xero's daily call limit")  # the TRACE error
    assert not [line for line in closing if any(word in line for word in JARGON)], closing


@pytest.mark.parametrize("cli", sorted(COMMANDS))
def test_a_run_that_fails_on_the_way_still_writes_a_report(sb: Any, tmp_path: Path, cli: str) -> None:
    """The app's refresh token is refused: nothing is written, the run ends failed, and its report says
    why and that the next run sends everything."""
    sb.reset()
    config = _config(sb.info, tmp_path, refresh_token="not-a-refresh-token-xero-knows")
    proc = subprocess.run(
        COMMANDS[cli](config), input=_input(cli, [_invoice(8331, "UK VAT")]), capture_output=True, text=True,
        timeout=240,
    )  # fmt: skip
    assert proc.returncode != 0
    report = load_report(tmp_path / "reports" / "run-report.json")
    assert report.exit_status == 1 and not report.ok
    (reason,) = report.stop_reasons
    assert "refresh" in reason.lower(), reason
    assert report.next_steps[0].startswith("The run stopped before the end: ")
    assert report.next_steps[0].endswith("and the next run sends the rest.")
    assert report.organisations[0].count("invoice", "created") == 0
