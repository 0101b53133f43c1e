"""What `autotask-xero resync` prints and how it exits, from decisions as destination-xero's engine makes
them (no sandbox: every kind of outcome at once, which one demo invoice cannot show)."""

from __future__ import annotations

from typing import Any

import pytest
from autotask_xero.resync import Named, Resync, parse_name
from autotask_xero.resync_report import terminal

UK, AU = "t-uk", "t-au"


def _decision(action: str, autotask_id: int, key: str, tenant: str = UK, **extra: Any) -> dict[str, Any]:
    return {
        "action": action,
        "kind": "invoice",
        "tenant_id": tenant,
        "key": key,
        "autotask_id": autotask_id,
        **extra,
    }


def _result(decisions: list[dict[str, Any]], **extra: Any) -> Resync:
    invoices = {1: "20001", 2: "20002", 3: "20003", 4: "20004", 5: "20005", 6: "20006"}
    named = [Named(n, number=n) for n in invoices.values()]
    result = Resync(named, **extra)
    result.invoices = invoices
    result.organisations = {UK: "Northwind MSP Ltd", AU: "Northwind MSP Pty Ltd"}
    result.decisions = decisions
    result.autotask_calls = 15
    result.xero_calls = {"Northwind MSP Ltd": 9, "Northwind MSP Pty Ltd": 6}
    return result


def test_names_are_numbers_or_ids() -> None:
    assert parse_name(" 20123 ") == Named("20123", number="20123")
    assert parse_name("ID:0555") == Named("id:555", id=555)
    for bad in ("id:", "id:x1", "  "):
        with pytest.raises(ValueError):
            parse_name(bad)


def test_every_outcome_in_plain_words_per_organisation() -> None:
    result = _result(
        [
            _decision("create", 1, "20001", replaces_xero_id="x-1"),
            _decision("update", 2, "20002", changes=["LineItems", "DueDate"]),
            _decision("unchanged", 3, "20003-UK"),
            _decision("not_changeable", 4, "20004", reason="PAID in Xero (paid on 2026-10-01): remove it"),
            _decision(
                "rejected", 5, "20005", tenant=AU, reason="Xero rejected the document", xero_messages=["No."]
            ),
            _decision("rejected", 6, "20006", tenant="", reason="no organisation's route matches"),
            {"action": "create", "kind": "contact", "tenant_id": UK, "key": "ACME Ltd", "autotask_id": 77},
        ],
        secrets=["s3cr3t"],
    )
    result.unknown = ["NOPE"]
    result.held = [555]
    out = terminal(result)
    assert out.splitlines()[0] == "autotask-xero resync: 6 invoices named, 6 read from Autotask (15 calls)"
    assert (
        "Northwind MSP Ltd (9 Xero calls)\n"
        "  Created in Xero (1):\n"
        "    - invoice 20001: it had been deleted in Xero; entered again\n"
        "  Updated in Xero (1):\n"
        "    - invoice 20002: lines, due date replaced with Autotask's\n"
        "  Already in Xero as Autotask has it (1):\n"
        "    - invoice 20003 (in Xero: 20003-UK)\n"
        "  Not changed: Xero no longer lets us (1):\n"
        "    - invoice 20004: PAID in Xero (paid on 2026-10-01): remove it\n"
        "  Also created: contact ACME Ltd\n"
        "Northwind MSP Pty Ltd (6 Xero calls)\n"
        "  Rejected (1):\n"
        "    - invoice 20005: Xero rejected the document (Xero says: No.)\n"
        "Not sent to any organisation\n"
        "  Rejected (1):\n"
        "    - invoice 20006: no organisation's route matches\n"
    ) in out, out
    assert "Not found in Autotask: NOPE (" in out
    assert "Not finished in Autotask (no invoice number yet), so not sent: id:555" in out
    assert out.endswith(
        "5 of 6 named invoices are not in Xero as Autotask has them: 20004, 20005, 20006, NOPE, id:555. "
        "Fix what each line above says, then run the re-sync again for those."
    )
    assert result.exit_status == 1


def test_exit_0_only_when_every_named_invoice_landed() -> None:
    done = _result([_decision(a, i, f"2000{i}") for i, a in enumerate(["create", "update", "unchanged"], 1)])
    done.invoices = {1: "20001", 2: "20002", 3: "20003"}
    assert done.exit_status == 0
    assert terminal(done).endswith("Every named invoice is now in Xero as Autotask has it.")
    done.invoices[4] = "20004"  # read, but no decision came back for it
    assert done.exit_status == 1


def test_a_dry_run_is_done_only_when_nothing_is_to_be_written() -> None:
    dry = _result([_decision("create", 1, "20001"), _decision("unchanged", 2, "20002")], dry_run=True)
    dry.invoices = {1: "20001", 2: "20002"}
    out = terminal(dry)
    assert "dry run: nothing is written" in out.splitlines()[0]
    assert "Would be created in Xero (1):\n    - invoice 20001\n" in out
    assert out.endswith(
        "Without --dry-run, 1 of them would be sent; for any other, do what its line above says."
    )
    assert dry.exit_status == 1
    dry.decisions = [_decision("unchanged", 1, "20001"), _decision("unchanged", 2, "20002")]
    assert dry.exit_status == 0
    assert terminal(dry).endswith(
        "Every named invoice is already in Xero as Autotask has it: nothing to send."
    )


def test_a_resync_that_could_not_run_exits_2_and_masks_secrets() -> None:
    failed = Resync([Named("20001", number="20001")], secrets=["s3cr3t-token"])
    failed.problems.append("Xero refused the connection: token s3cr3t-token is invalid")
    out = terminal(failed)
    assert out.startswith("autotask-xero resync: nothing was sent\n- Xero refused the connection")
    assert "s3cr3t-token" not in out
    assert failed.exit_status == 2
