"""Tenant isolation as a property: for random routing configurations over random small datasets, every
document the real pipeline writes sits in exactly the organisation its rules select, and every document the
rules cannot place is rejected with the reason, never parked in a default organisation by accident.

Why the expected tenant is computed here from BEHAVIOR.md ("Several organisations") and not by calling
destination_xero.routing: a property that asks the code under test what the answer should be cannot catch
it being wrong. The rules, as documented: per tenant OR-ed (line of business per line; company UDF value,
company id and currency per document; names compared case-insensitively); a line matched by two tenants
is ambiguous and rejects the document; no match goes to the default tenant, else (one tenant without rules
takes everything) the document is rejected; lines of one invoice in different tenants are rejected or split
into parts numbered `<number><suffix>`, each totalled from its own lines.

Each example starts its own sandbox on a dataset file (the sandbox cannot swap datasets while running;
start-up costs well under the connectors' own start-up) and runs `source | destination` as real processes,
Airbyte or Singer as drawn.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from reliability.helpers_props import (
    AU,
    CURRENCIES,
    EXEMPT_REGION,
    LINES_OF_BUSINESS,
    ORGS,
    UDF,
    CompanySpec,
    InvoiceSpec,
    LineSpec,
    build_dataset,
    cents,
    destination_base,
    run_pipeline,
    tenant_ids,
    write_dataset,
    xero_documents,
)
from sandbox.launcher import running_sandbox

pytestmark = pytest.mark.timeout(1800)

UDF_VALUES = ("UK", "uk", "AU", "Au", "US", "NZ")
SUFFIXES = {ORGS[0]: "-UK", ORGS[1]: "-AU", ORGS[2]: "-US"}
_TALLY = {"examples": 0, "documents": 0, "placed": 0, "rejected": 0, "misrouted": 0, "failures": 0}


@dataclass(frozen=True)
class Rules:
    org: str
    lobs: tuple[str, ...]
    udf_values: tuple[str, ...]
    company_ids: tuple[int, ...]
    currencies: tuple[str, ...]
    default: bool

    def empty(self) -> bool:
        return not (self.lobs or self.udf_values or self.company_ids or self.currencies)

    def route(self) -> dict[str, Any]:
        route: dict[str, Any] = {"default": self.default}
        if self.lobs:
            route["lines_of_business"] = list(self.lobs)
        if self.udf_values:
            route["company_udf"] = {"name": UDF, "values": list(self.udf_values)}
        if self.company_ids:
            route["company_ids"] = list(self.company_ids)
        if self.currencies:
            route["currencies"] = list(self.currencies)
        return route


@dataclass(frozen=True)
class Scenario:
    companies: tuple[CompanySpec, ...]
    invoices: tuple[InvoiceSpec, ...]
    tenants: tuple[Rules, ...]
    split: bool
    protocol: str


def _case_variants(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(names).flatmap(lambda n: st.sampled_from((n, n.upper(), n.lower())))


def _rules(draw: st.DrawFn, org: str, ids: list[int], default: bool) -> Rules:
    """One or two kinds of rule per tenant, one or two values each: overlapping enough to produce ambiguous
    and unroutable documents, sparse enough that most documents have a single home."""
    kinds = draw(st.sets(st.sampled_from(("lobs", "udf", "ids", "currencies")), max_size=2))

    def values(kind: str, strategy: st.SearchStrategy[Any]) -> tuple[Any, ...]:
        if kind not in kinds:
            return ()
        return tuple(draw(st.lists(strategy, min_size=1, max_size=2, unique=True)))

    return Rules(
        org=org,
        lobs=values("lobs", _case_variants(LINES_OF_BUSINESS)),
        udf_values=values("udf", st.sampled_from(UDF_VALUES)),
        company_ids=values("ids", st.sampled_from(ids)),
        currencies=values("currencies", st.sampled_from(CURRENCIES)),
        default=default,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    company_count = draw(st.integers(min_value=1, max_value=5))
    companies = tuple(
        CompanySpec(
            id=31000001 + i,
            udf=draw(st.one_of(st.none(), st.sampled_from(UDF_VALUES))),
            currency=draw(st.sampled_from(CURRENCIES)),
            tax_region=EXEMPT_REGION,
        )
        for i in range(company_count)
    )
    ids = [c.id for c in companies]
    invoices = []
    for n in range(draw(st.integers(min_value=3, max_value=10))):
        credit = n % 3 == 2 and draw(st.booleans())  # some credit notes, most invoices
        lines = tuple(
            LineSpec(
                quantity=Decimal(draw(st.integers(min_value=1, max_value=5))),
                rate=Decimal(draw(st.integers(min_value=1, max_value=50_000))) / 100 * (-1 if credit else 1),
                lob=draw(st.one_of(st.none(), st.sampled_from(LINES_OF_BUSINESS))),
                tax_category=draw(st.integers(min_value=1, max_value=4)),
            )
            for _ in range(draw(st.integers(min_value=1, max_value=4)))
        )
        invoices.append(InvoiceSpec(32500001 + n, f"ISO-{n + 1:03d}", draw(st.sampled_from(ids)), lines))
    orgs = draw(st.lists(st.sampled_from(ORGS), min_size=1, max_size=3, unique=True))
    default_at = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=len(orgs) - 1)))
    tenants = tuple(_rules(draw, org, ids, default_at == i) for i, org in enumerate(orgs))
    # A configuration the destination refuses to start with is not a routing question: several tenants,
    # one of them with no rule and not the default.
    assume(len(tenants) == 1 or all(not t.empty() or t.default for t in tenants))
    return Scenario(
        companies,
        tuple(invoices),
        tenants,
        split=draw(st.booleans()),
        protocol=draw(st.sampled_from(("singer", "airbyte"))),
    )


# ---- the rules of BEHAVIOR.md, computed independently -------------------------------------------------
@dataclass(frozen=True)
class Expected:
    placed: dict[tuple[str, str, str], tuple[Decimal, int]]  # (org, kind, number) -> (part total, company)
    rejected: dict[int, str]  # invoice id -> which rule rejects it: ambiguous | unroutable | mixed


def _line_orgs(rules: tuple[Rules, ...], company: CompanySpec, line: LineSpec) -> list[str]:
    matched = []
    for t in rules:
        by_lob = line.lob is not None and line.lob.casefold() in {v.casefold() for v in t.lobs}
        by_udf = company.udf is not None and company.udf.casefold() in {v.casefold() for v in t.udf_values}
        by_id = company.id in t.company_ids
        by_currency = company.currency.upper() in {c.upper() for c in t.currencies}
        if by_lob or by_udf or by_id or by_currency:
            matched.append(t.org)
    return matched


def expected_routing(scenario: Scenario, totals: dict[int, list[Decimal]]) -> Expected:
    rules = scenario.tenants
    default = next((t.org for t in rules if t.default), None)
    if default is None and len(rules) == 1 and rules[0].empty():
        default = rules[0].org
    companies = {c.id: c for c in scenario.companies}
    placed: dict[tuple[str, str, str], tuple[Decimal, int]] = {}
    rejected: dict[int, str] = {}
    for invoice in scenario.invoices:
        groups: dict[str, Decimal] = {}
        why = None
        for line, line_total in zip(invoice.lines, totals[invoice.id], strict=True):
            matched = _line_orgs(rules, companies[invoice.company], line)
            if len(matched) > 1:
                why = "ambiguous"
                break
            org = matched[0] if matched else default
            if org is None:
                why = "unroutable"
                break
            groups[org] = groups.get(org, Decimal(0)) + line_total
        if why is None and len(groups) > 1 and not scenario.split:
            why = "mixed"
        if why is not None:
            rejected[invoice.id] = why
            continue
        for org, total in groups.items():
            number = invoice.number + (SUFFIXES[org] if len(groups) > 1 else "")
            kind = "credit_note" if total < 0 else "invoice"
            placed[(org, kind, number)] = (total, invoice.company)
    return Expected(placed, rejected)


REASON_WORDS = {
    "ambiguous": "ambiguous",
    "unroutable": "no routing rule",
    "mixed": "different tenants",
}


def destination_config(info: dict[str, Any], tmp: Path, scenario: Scenario) -> dict[str, Any]:
    ids = tenant_ids(info)
    config = destination_base(info, tmp)
    config["split_policy"] = "split" if scenario.split else "reject"
    config["mappings"] = {
        "tax": {"default": "EXEMPTOUTPUT"},  # every drawn line is in the Tax Exempt region: 0% rows
        "accounts": {"default": "200"},
    }
    config["tenants"] = [
        {
            "tenant_id": ids[t.org],
            "name": t.org,
            "route": t.route(),
            "split_number_suffix": SUFFIXES[t.org],
            "mappings": {
                "rounding": {"account": "860", "tax_type": "BASEXCLUDED" if t.org == AU else "NONE"}
            },
        }
        for t in scenario.tenants
    ]
    return config


def check_example(scenario: Scenario, tmp: Path) -> tuple[int, int, int]:
    """Run one drawn scenario end to end; returns (documents, placed, rejected) or raises on a violation."""
    dataset, figures = build_dataset(scenario.companies, scenario.invoices)
    expected = expected_routing(scenario, {i: f.line_totals for i, f in figures.items()})
    path = write_dataset(tmp / "dataset.json", dataset)
    with running_sandbox(path, rate_limits="off") as running:
        config = destination_config(running.info, tmp, scenario)
        run = run_pipeline(running.info, config, tmp, scenario.protocol)
        documents, contacts = xero_documents(running.info, tmp)
    context = f"{scenario.protocol} run, exit {run.code}:\n{run.stderr[-3000:]}"
    assert run.producer_code == 0, run.producer_stderr[-3000:]
    found = {(d.tenant, d.kind, d.number): d.document for d in documents}
    misplaced = sorted(set(found) - set(expected.placed))
    missing = sorted(set(expected.placed) - set(found))
    _TALLY["misrouted"] += len(misplaced)
    assert not misplaced, f"documents in a tenant their rules do not select: {misplaced}\n{context}"
    assert not missing, f"routed documents that never landed: {missing}\n{context}"
    for key, (total, _) in expected.placed.items():
        assert Decimal(found[key]["Total"]) == cents(abs(total)), (key, found[key]["Total"], total)
    by_invoice: dict[int, list[dict[str, Any]]] = {}
    for record in run.rejected:
        by_invoice.setdefault(int(record["autotask_id"]), []).append(record)
    assert set(by_invoice) == set(expected.rejected), (sorted(by_invoice), expected.rejected, context)
    for invoice_id, why in expected.rejected.items():
        reasons = " | ".join(str(r["reason"]) for r in by_invoice[invoice_id])
        assert REASON_WORDS[why] in reasons, (invoice_id, why, reasons)
    assert (run.code != 0) == bool(expected.rejected), context  # fail_on_rejections, after everything
    # Contacts follow their documents: a company appears only in organisations that received its documents.
    owners = {(org, company) for (org, _, _), (_, company) in expected.placed.items()}
    for org, people in contacts.items():
        for contact in people:
            number = str(contact.get("ContactNumber") or "")
            if number.startswith("AT-"):
                assert (org, int(number[3:])) in owners, (org, contact["Name"])
    return len(scenario.invoices), len(expected.placed), len(expected.rejected)


def test_no_document_reaches_a_tenant_its_rules_do_not_select(reliability: Any, tmp_path: Path) -> None:
    examples = reliability.pick(ci=6, full=100)
    counter = itertools.count(1)

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=not reliability.full,  # CI draws the same examples every run; the full profile explores
        database=None,
        # One example costs a sandbox and two connector processes: report the failing example as drawn
        # rather than spend many minutes shrinking it.
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(scenario=scenarios())
    def prop(scenario: Scenario) -> None:
        example_dir = tmp_path / f"example-{next(counter)}"
        example_dir.mkdir()
        try:
            documents, placed, rejected = check_example(scenario, example_dir)
        except BaseException:
            _TALLY["failures"] += 1
            raise
        _TALLY["examples"] += 1
        _TALLY["documents"] += documents
        _TALLY["placed"] += placed
        _TALLY["rejected"] += rejected

    try:
        prop()
    finally:
        met = _TALLY["failures"] == 0 and _TALLY["misrouted"] == 0 and _TALLY["examples"] > 0
        reliability.row(
            "Tenant isolation",
            "N random routing configs x M documents through the CLIs",
            measured=(
                f"{_TALLY['examples']} configs x {_TALLY['documents']} documents: "
                f"{_TALLY['misrouted']} misrouted ({_TALLY['placed']} placed, {_TALLY['rejected']} rejected "
                f"with reason, {_TALLY['failures']} failing examples)"
            ),
            target="0 misrouted, every unroutable document rejected with its reason",
            met=met,
        )
