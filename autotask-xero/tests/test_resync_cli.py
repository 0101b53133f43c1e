"""`autotask-xero resync` through its real command line, on the demo sandbox after a real forward sync.

The story an admin lives: the forward sync (`source-autotask read | destination-xero write`, the real
console scripts, the demo mapping with invoices arriving as drafts so that a person may delete one) lands
the demo dataset; a colleague deletes one invoice in Xero (a POST with Status DELETED from another
consent, as their own app would); the next scheduled run reads it again (here a run without saved state,
as after a reset, so that the invoice is read at all) and does not recreate it, reporting it not
changeable; `autotask-xero resync <number>` enters it again, and the sandbox's request log shows that this
was the only write; a second re-sync writes nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from demo import configs as demo_configs
from demo.pipe import console_script, run_pipe
from reliability.helpers_limits import auditor_store, auditor_token
from sandbox import launcher
from sandbox.jsonmoney import dumps, loads

UK = "Northwind MSP Ltd"
MAX_AUTOTASK_CALLS = 20  # zone, threshold, the invoices, their lines, companies, the reference tables
WRITES = ("PUT", "POST")


def _script() -> str:
    found = Path(sys.executable).parent / "autotask-xero"
    assert found.exists(), "console script autotask-xero is not installed (run uv sync --all-packages)"
    return str(found)


class Person:
    """A colleague working in Xero through their own consent (its own token chain, not the connectors')."""

    def __init__(self, sb: Any, tmp: Path) -> None:
        self.sb = sb
        self.store = auditor_store(sb, tmp)
        self.api = str(sb.xero["api_url"])
        self.tenants = {str(t["name"]): str(t["tenant_id"]) for t in sb.xero["tenants"]}

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        headers = {
            "Authorization": f"Bearer {auditor_token(self.sb, self.store)}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "xero-tenant-id": self.tenants[UK],
        }
        data = None if body is None else dumps(body)
        answer = requests.request(
            method, f"{self.api}/{path}", headers=headers, data=data, params=params, timeout=60
        )
        assert answer.status_code == 200, answer.text[:500]
        return loads(answer.text)

    def invoices(self, number: str) -> list[dict[str, Any]]:
        return list(self.call("GET", "Invoices", where=f'InvoiceNumber=="{number}"')["Invoices"])

    def delete(self, invoice_id: str) -> None:
        body = {"Invoices": [{"InvoiceID": invoice_id, "Status": "DELETED"}]}
        (deleted,) = self.call("POST", f"Invoices/{invoice_id}", body)["Invoices"]
        assert deleted["Status"] == "DELETED"


def _forward(paths: demo_configs.DemoConfigs, destination: Path, cwd: Path) -> Any:
    """One scheduled run through the real console scripts, without saved state (reads every invoice)."""
    catalog = str(demo_configs.SOURCE_CATALOG)
    result = run_pipe(
        [console_script("source-autotask"), "read", "--config", str(paths.source), "--catalog", catalog],
        [console_script("destination-xero"), "write", "--config", str(destination), "--catalog", catalog],
        say=lambda _: None,
        on_log=lambda _level, _message: None,
        cwd=cwd,
    )
    assert result.source_code == 0, result.source_stderr[-2000:]
    # the demo's planted rejections make the destination exit 1 (fail_on_rejections), nothing else may
    assert result.destination_code in (0, 1), (result.trace_errors, result.destination_stderr[-2000:])
    return result


def _rejected(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _writes(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Accounting writes (token calls excluded: they are no change to the books)."""
    return [e for e in entries if e["method"] in WRITES and str(e["path"]).startswith("/api.xro")]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("autotask-xero-resync")
    with launcher.running_sandbox("demo", rate_limits="off") as sb:
        paths = demo_configs.write_configs(sb.info, tmp, tmp)
        status = {
            **demo_configs.mapping()["mappings"]["status"],
            "invoice": "DRAFT",
        }  # a draft can be deleted
        destination = tmp / "destination-drafts.json"
        written = json.loads(paths.destination.read_text(encoding="utf-8"))
        destination.write_text(
            json.dumps(
                {**written, "mappings": {"status": status}, "run_lock": {"directory": str(tmp / "locks")}}
            ),
            encoding="utf-8",
        )
        _forward(paths, destination, tmp)
        person = Person(sb, tmp)
        listed = person.call("GET", "Invoices", where='Type=="ACCREC" AND Status=="DRAFT"')["Invoices"]
        target = next(i for i in listed if not str(i["InvoiceNumber"]).endswith("-UK"))
        person.delete(str(target["InvoiceID"]))
        yield {
            "sb": sb,
            "tmp": tmp,
            "paths": paths,
            "destination": destination,
            "person": person,
            "target": target,
        }


def _resync(world: dict[str, Any], *args: str) -> dict[str, Any]:
    sb = world["sb"]
    before = len(sb.admin("xero", "requests"))
    command = [_script(), "resync", "--source", str(world["paths"].source)]
    command += ["--destination", str(world["destination"]), *args]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300)
    return {
        "code": proc.returncode,
        "stdout": proc.stdout,
        "stderr": proc.stderr,
        "writes": _writes(sb.admin("xero", "requests")[before:]),
    }


@pytest.fixture(scope="module")
def story(world: dict[str, Any]) -> dict[str, Any]:
    """The scheduled run after the deletion, then the re-sync, then a second one: each run once, in order."""
    number = str(world["target"]["InvoiceNumber"])
    rejected_before = len(_rejected(world["paths"].rejected))
    _forward(world["paths"], world["destination"], world["tmp"])
    scheduled = _rejected(world["paths"].rejected)[rejected_before:]
    after_scheduled = world["person"].invoices(number)
    dry = _resync(world, "--dry-run", number)
    first = _resync(world, number)
    after_first = world["person"].invoices(number)
    second = _resync(world, number)
    return {
        "number": number,
        "scheduled": scheduled,
        "after_scheduled": after_scheduled,
        "dry": dry,
        "first": first,
        "after_first": after_first,
        "second": second,
    }


def test_a_scheduled_run_does_not_recreate_the_deleted_invoice(story: dict[str, Any]) -> None:
    number = story["number"]
    assert [i["Status"] for i in story["after_scheduled"]] == ["DELETED"]
    (reported,) = [r for r in story["scheduled"] if r["key"] == number]
    assert reported["action"] == "not_changeable"
    assert reported["reason"].startswith("DELETED in Xero, so it is not recreated")
    # and it says how to send it again: by Autotask id, which names it under any numbering
    assert reported["reason"].endswith(
        f"send it again with `autotask-xero resync id:{reported['autotask_id']}`"
    )


def test_a_dry_run_says_it_would_enter_it_again_and_writes_nothing(story: dict[str, Any]) -> None:
    dry = story["dry"]
    assert dry["code"] == 1, dry["stdout"] + dry["stderr"][-2000:]  # not in Xero as Autotask has it yet
    assert dry["writes"] == []
    out = dry["stdout"]
    assert "Would be created in Xero (1):" in out, out
    assert f"  - invoice {story['number']}: it had been deleted in Xero; it would be entered again" in out, (
        out
    )
    assert "Without --dry-run, 1 of them would be sent" in out, out


def test_resync_enters_the_deleted_invoice_again_and_writes_nothing_else(
    world: dict[str, Any], story: dict[str, Any]
) -> None:
    number, first = story["number"], story["first"]
    assert first["code"] == 0, first["stdout"] + first["stderr"][-2000:]
    out = first["stdout"]
    assert out.startswith("autotask-xero resync: 1 invoice named, 1 read from Autotask ("), out
    assert f"{UK} (" in out and "Created in Xero (1):" in out, out
    assert f"  - invoice {number}: it had been deleted in Xero; entered again" in out, out
    assert out.rstrip().endswith("Every named invoice is now in Xero as Autotask has it."), out
    calls = int(out.split(" read from Autotask (", 1)[1].split(" call", 1)[0])
    assert calls <= MAX_AUTOTASK_CALLS, out

    (write,) = first["writes"]
    assert (write["method"], write["path"]) == ("POST", "/api.xro/2.0/Invoices")
    (element,) = write["body"]["Invoices"]
    assert element["InvoiceNumber"] == number and "InvoiceID" not in element

    held = {i["Status"]: i for i in story["after_first"]}
    assert sorted(held) == ["DELETED", "DRAFT"]
    live, gone = held["DRAFT"], held["DELETED"]
    assert live["InvoiceID"] != gone["InvoiceID"] == world["target"]["InvoiceID"]
    assert Decimal(str(live["Total"])) == Decimal(str(world["target"]["Total"]))
    assert live["Url"] == world["target"]["Url"]  # the same link back to the same Autotask invoice


def test_a_second_resync_writes_nothing(story: dict[str, Any]) -> None:
    second = story["second"]
    assert second["code"] == 0, second["stdout"] + second["stderr"][-2000:]
    assert second["writes"] == []
    assert "Already in Xero as Autotask has it (1):" in second["stdout"]
    assert f"  - invoice {story['number']}\n" in second["stdout"] + "\n"


def test_an_unknown_number_is_named_and_a_dry_run_writes_nothing(
    world: dict[str, Any], story: dict[str, Any]
) -> None:
    run = _resync(world, "--dry-run", story["number"], "NO-SUCH-1", "id:999999999")
    assert run["code"] == 1, run["stdout"] + run["stderr"][-2000:]
    assert run["writes"] == []
    out = run["stdout"]
    assert "3 invoices named, 1 read from Autotask" in out and "dry run: nothing is written" in out
    assert "Not found in Autotask: NO-SUCH-1, id:999999999 (" in out, out
    assert "Already in Xero as Autotask has it (1):" in out
    assert (
        "2 of 3 named invoices are not in Xero as Autotask has them: NO-SUCH-1, id:999999999. Without "
        "--dry-run, 0 of them would be sent"
    ) in out


def test_nothing_secret_is_printed(world: dict[str, Any], story: dict[str, Any]) -> None:
    text = "".join(story[run]["stdout"] + story[run]["stderr"] for run in ("dry", "first", "second"))
    assert not [s[:4] for s in world["sb"].secrets() if s and s in text]
