"""`make demo`: the main job, end to end, on the sandbox, with a summary a finance admin can read.

1. start `sandbox up --dataset demo` (a real subprocess; every call below is HTTP);
2. the forward sync with the committed mapping `catalogs/demo/destination.demo.yaml`: by default
   `meltano run autotask-to-xero` (meltano.yml, environment `sandbox`; Meltano and the plugins are installed
   into a cache on the first run, see `demo/meltano_env.py`), or with `--runner airbyte`
   `source-autotask read | destination-xero write` (faster, needs no Meltano);
3. record a few payments in Xero (full, partial, foreign currency), then the payments job
   (`meltano run xero-payments-to-autotask`, or the Airbyte pair);
4. print per organisation what was created / updated / unchanged / skipped / rejected and what to do
   next, and the payments written back: the run reports the destinations wrote (`report_path`, one per
   job: `<output>/report-*.json`), rendered by the product's renderer (`autotask-xero report`); then the
   calls the sandbox counted on each API against its limits (Xero's day limit is the sandbox's app
   tier's, `--xero-tier`, Starter's 1,000 by default) with the response bytes each organisation sent;
   write the same page to `<output>/demo-report.html`;
5. run the forward sync again, ignoring the saved state, and show it wrote nothing to Xero (no duplicates).

Steps 2, 3 and 5 run first; the summary (4) is printed at the end, once every figure is known.

Rate limits: `scaled:60` by default, i.e. the vendors' call counts enforced with windows 60 times
shorter, so the sandbox's limits are live during the demo; `--rate-limits off` removes them. The whole demo
uses 25-45 Xero calls per organisation and about 320 Autotask calls, nowhere near a limit, so keeping the
limits on costs nothing.

Outputs go to `--output-dir` (or `$SANDBOX_DEMO_OUTPUT`, default `output/` at the repository root). Every
line printed or written is first scrubbed of the sandbox's secrets. Exit code 0 when every step ran and the
second run made no Xero writes and every rejection is one the demo data plants on purpose
(`configs.PLANTED_REJECTIONS`: New Zealand GST left unmapped, USD not enabled in the AU organisation);
1 otherwise (the report still says what happened); 2 when Meltano cannot be installed (the message names
`--runner airbyte`).

Rejections and exit status: both runners run the connectors as configured for production
(`fail_on_rejections: true`), so the forward jobs end with status 1 on the planted rejections, exactly as
a scheduled run would (BEHAVIOR.md, "Errors, rejected records, exit status"). The demo applies one rule
to both runners (`jobs.ended_on_rejections`), prints each job's exit status under EXIT STATUS and
says that a real run would end failed; the demo itself exits 0, since showing those rejections is its
point. A rejection for any other reason fails the demo.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
import requests
from connector_kit.redaction import redact
from connector_kit.run_report import RunReport
from sandbox import jsonmoney
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox.xero.tiers import TIERS

from . import configs as demo_configs
from . import meltano_env
from . import payments as demo_payments
from . import report as demo_report
from .jobs import REPORT_FILES, AirbyteRunner, JobResult, Runner
from .meltano_runner import MeltanoRunner

DEFAULT_RATE_LIMITS = "scaled:60"


class Secrets:
    """The run's secrets, growing as the Xero refresh token rotates, masked with the connectors' own rule
    (`connector_kit.redaction`). Kept as a list because `--secrets-audit-file` hands the same list to the
    tests, which search every output for each entry."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def add(self, secret: str) -> None:
        if secret and len(secret) >= 6 and secret not in self.secrets:
            self.secrets = sorted([*self.secrets, secret], key=len, reverse=True)

    def __call__(self, text: str) -> str:
        return redact(text, self.secrets)


Sample = tuple[float, dict[str, int], int]  # (monotonic time, Xero calls per tenant, Autotask calls)


class CallSampler:
    """Samples both servers' call counters once a second, to find the busiest minute per organisation
    (the counters have no timestamps). Admin endpoints are not counted as API calls."""

    def __init__(self, running: RunningSandbox) -> None:
        self.running = running
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> None:
        xero = self.running.admin("xero", "stats")
        autotask = self.running.admin("autotask", "stats")
        per_tenant: dict[str, int] = {}
        for call in xero["calls"]:
            if call["tenant"] and str(call["path"]).startswith("/api.xro"):
                per_tenant[call["tenant"]] = per_tenant.get(call["tenant"], 0) + int(call["count"])
        self.samples.append((time.monotonic(), per_tenant, int(autotask["total"])))

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            with contextlib.suppress(requests.RequestException):
                self.sample()

    def __enter__(self) -> CallSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()

    def peak(self, window: float, value: Callable[[Sample], int]) -> int:
        """Most calls in any `window` seconds (an upper bound: sampled once a second)."""
        best, start = 0, 0
        for sample in self.samples:
            while self.samples[start][0] < sample[0] - window:
                start += 1
            base = self.samples[max(start - 1, 0)]  # the last sample before the window: never undercounts
            best = max(best, value(sample) - value(base))
        return best


def _tenant_count(tenant_id: str) -> Callable[[Sample], int]:
    return lambda sample: sample[1].get(tenant_id, 0)


def xero_writes(running: RunningSandbox) -> int:
    calls = running.admin("xero", "stats")["calls"]
    return sum(
        int(c["count"])
        for c in calls
        if c["method"] in ("PUT", "POST") and str(c["path"]).startswith("/api.xro")
    )


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _unplanned_rejections(configs: demo_configs.DemoConfigs) -> list[str]:
    """Rejections the demo data does not plant on purpose: real problems, so the demo exits 1 on them
    (the planted ones only show how rejections are reported)."""
    problems = []
    documents = demo_configs.unplanned(_read_jsonl(configs.rejected))
    if documents:
        problems.append(
            f"{len(documents)} document(s) rejected for a reason the demo data does not plant, first: "
            f"{documents[0].get('key')}: {documents[0].get('reason')}"
        )
    payments = _read_jsonl(configs.payments_rejected)
    if payments:
        problems.append(
            f"{len(payments)} payment record(s) rejected (the demo plants none), first: "
            f"{payments[0].get('invoice_number')}: {payments[0].get('reason')}"
        )
    return problems


def _exit_statuses(first: JobResult, payments: JobResult, second: JobResult) -> list[dict[str, Any]]:
    """What a scheduler running each job would see: its own exit status and the rejections behind it."""
    return [
        {"job": job, "exit_status": result.exit_status, "rejected": result.rejected}
        for job, result in (("forward sync", first), ("payments sync", payments), ("second sync", second))
    ]


def _organisations(
    report: RunReport | None, tenants: dict[str, str], countries: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    """Each organisation as the forward run's report has it (its counts, causes, figures), with the
    sandbox's country and base currency; the calls are left out (the sandbox's own count is under
    `calls`, and the connectors' differ by runner: Singer and Airbyte batch their look-ups differently)."""
    own = {o.name: o for o in (report.organisations if report else [])}
    orgs = []
    for name, tenant_id in tenants.items():
        country, currency = countries.get(name, ("?", "?"))
        org = own.get(name)
        figures = org.model_dump(mode="json", exclude={"usage"}) if org else {"name": name, "documents": {}}
        orgs.append({**figures, "tenant_id": tenant_id, "country": country, "currency": currency})
    return orgs


def _unrouted(report: RunReport | None) -> tuple[int, list[dict[str, Any]]]:
    """Documents refused before reaching any organisation: how many, and their causes."""
    if report is None or report.unrouted is None:
        return 0, []
    org = report.unrouted
    return org.total("rejected") + org.total("not_changeable"), [g.model_dump() for g in org.rejections]


def _second_counts(report: RunReport | None) -> dict[str, int]:
    counts = {"unchanged": 0, "skipped": 0, "rejected": 0}
    for org in report.organisations if report else []:
        for outcome in counts:
            counts[outcome] += org.total(outcome)
    return counts


def _prepare_meltano(stack: contextlib.ExitStack, say: Callable[[str], None]) -> tuple[Path, dict[str, str]]:
    """Meltano's virtualenv and the plugins, built on the first run (the cache is reused afterwards)."""
    say("Preparing Meltano (only the first run installs it and the plugins: a few minutes) ...")
    started = time.monotonic()
    run_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sandbox-demo-meltano-")))
    exe, env = stack.enter_context(meltano_env.meltano_project(run_dir, notify=say))
    say(f"  Meltano {meltano_env.MELTANO_VERSION} ready in {time.monotonic() - started:.1f} s ({exe})")
    return exe, env


def _make_runner(
    runner: str,
    meltano: tuple[Path, dict[str, str]] | None,
    info: dict[str, Any],
    configs: demo_configs.DemoConfigs,
    output: Path,
    secrets_dir: Path,
) -> Runner:
    if meltano is None:
        return AirbyteRunner(configs, output)
    exe, env = meltano
    return MeltanoRunner(exe, env, info, configs, secrets_dir / "meltano", output)


def run(
    output: Path,
    rate_limits: str,
    say: Callable[[str], None],
    audit: Path | None = None,
    runner_name: str = "meltano",
    xero_tier: str | None = None,
) -> int:
    started = time.monotonic()
    output.mkdir(parents=True, exist_ok=True)
    for stale in (
        "rejected-records.jsonl",
        "rejected-payments.jsonl",
        "demo-report.html",
        "demo-summary.json",
        *REPORT_FILES.values(),
    ):
        (output / stale).unlink(missing_ok=True)
    with contextlib.ExitStack() as stack:
        meltano = _prepare_meltano(stack, say) if runner_name == "meltano" else None
        say(f"Starting the sandbox with the demo dataset (rate limits {rate_limits}) ...")
        running = stack.enter_context(
            running_sandbox("demo", seed=1, rate_limits=rate_limits, xero_tier=xero_tier)
        )
        secrets_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sandbox-demo-")))
        session = stack.enter_context(requests.Session())
        scrub = Secrets([*running.secrets(), running.info["autotask"]["integration_code"]])

        def show(text: str) -> None:
            say(scrub(text))

        show(f"  Autotask emulator {running.autotask_root}, Xero emulator {running.xero_root}")
        # the US organisation attaches the invoice PDFs: the source reads them (demo mapping)
        configs = demo_configs.write_configs(running.info, secrets_dir, output, invoice_pdfs=True)
        show(f"  mapping: {demo_configs.MAPPING_FILE.relative_to(demo_configs.REPO_ROOT)}")
        runner = _make_runner(runner_name, meltano, running.info, configs, output, secrets_dir)
        problems: list[str] = []
        with CallSampler(running) as sampler:
            show(f"\n[1/4] {runner.forward_heading(rerun=False)}")
            first = runner.forward(show, rerun=False)
            if first.failure:
                problems.append(f"first sync: {first.failure}")

            show("\n[2/4] Customers pay: recording payments in Xero (PUT /Payments)")
            planned: list[demo_payments.Planned] = []
            countries: dict[str, tuple[str, str]] = {}
            try:
                planned, countries = demo_payments.record_payments(
                    running.info, configs.tenants, configs.token_store, session
                )
                for p in planned:
                    show(
                        f"    {p.organisation}: {p.kind} payment of {p.amount} {p.currency} "
                        f"on invoice {p.invoice_number}"
                    )
            except (requests.RequestException, RuntimeError, KeyError) as exc:
                problems.append(f"recording payments: {exc}")

            show(f"\n[3/4] {runner.payments_heading()}")
            payments = runner.payments(show)
            if payments.failure:
                problems.append(f"payments sync: {payments.failure}")

            again = runner.forward_heading(rerun=True)
            show(f"\n[4/4] The same forward sync again, it must write nothing: {again}")
            before = xero_writes(running)
            second = runner.forward(show, rerun=True)
            second_writes = xero_writes(running) - before
            if second.failure:
                problems.append(f"second sync: {second.failure}")
            if second_writes:
                problems.append(f"the second sync made {second_writes} Xero write(s): duplicates or churn")
        problems += _unplanned_rejections(configs)
        xero_stats = running.admin("xero", "stats")
        autotask_stats = running.admin("autotask", "stats")
        reports = {"forward": first.report, "payments": payments.report, "second": second.report}
        for name, report in reports.items():
            if report is None:
                problems.append(f"the {name} sync wrote no run report ({REPORT_FILES[name]})")
        unrouted, unrouted_groups = _unrouted(first.report)
        tenants = configs.tenants
        figures: dict[str, Any] = {
            "generated_at": pendulum.now("UTC").to_iso8601_string(),
            "runner": runner.name,
            "rate_limits": rate_limits,
            "seconds": time.monotonic() - started,
            "organisations": _organisations(first.report, tenants, countries),
            "unrouted_rejected": unrouted,
            "unrouted_rejections": unrouted_groups,
            "rejected_file": str(configs.rejected),
            "report_files": [str(output / REPORT_FILES[name]) for name in reports],
            "payments": {
                "recorded": [
                    {
                        "organisation": p.organisation,
                        "invoice_number": p.invoice_number,
                        "currency": p.currency,
                        "amount": p.amount,
                        "total": p.invoice_total,
                        "kind": p.kind,
                    }
                    for p in planned
                ],
                "summary": payments.summary,
            },
            "calls": {
                "xero_tier": dict(running.xero.get("tier") or {}),
                "xero": [
                    {
                        "organisation": name,
                        "calls": sampler.samples[-1][1].get(tid, 0),
                        # the sandbox's own count on its limits' clock (a Xero minute is 1 s under scaled:60);
                        # sampled from outside only when the limits are off and it counts nothing
                        "peak_minute": int(
                            (xero_stats.get("peak_minute") or {}).get(tid)
                            or sampler.peak(60, _tenant_count(tid))
                        ),
                        "bytes": int((xero_stats.get("egress") or {}).get(tid, 0)),
                    }
                    for name, tid in tenants.items()
                ],
                "autotask": {
                    "calls": int(autotask_stats["total"]),
                    "peak_hour": sampler.peak(3600, lambda s: s[2]),
                },
                "xero_throttled": int(xero_stats["throttled"]),
                "autotask_throttled": int(autotask_stats["throttled"]),
            },
            "second_run": {
                "xero_writes": second_writes,
                "state_resumed": second.state_resumed,
                **_second_counts(second.report),
            },
            "exit_status": _exit_statuses(first, payments, second),
            "problems": problems,
        }
        for entry in _read_jsonl(configs.token_store):
            scrub.add(str(entry.get("refresh_token", "")))
        if audit is not None:
            fd = os.open(audit, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(scrub.secrets, handle)
        say("")
        show(demo_report.text_summary(figures, reports))
        page = output / "demo-report.html"
        page.write_text(scrub(demo_report.html_report(figures, reports)), encoding="utf-8")
        summary_json = jsonmoney.dumps(figures, indent=2, default=str, compact=False)
        (output / "demo-summary.json").write_text(scrub(summary_json), "utf-8")
        show(f"\nHTML report: {page}")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path(os.environ.get("SANDBOX_DEMO_OUTPUT") or demo_configs.REPO_ROOT / "output"),
        help="where the HTML report and rejected-record files go (default: output/, or $SANDBOX_DEMO_OUTPUT)",
    )
    parser.add_argument("--rate-limits", default=DEFAULT_RATE_LIMITS, help="off | scaled:F | real")
    parser.add_argument(
        "--runner",
        choices=("meltano", "airbyte"),
        default="meltano",
        help="meltano (default): the meltano.yml jobs; airbyte: the connectors' Airbyte CLIs in a pipe "
        "(faster, needs no Meltano)",
    )
    parser.add_argument(
        "--xero-tier",
        choices=sorted(TIERS),
        help="the sandbox's Xero app tier (default: the sandbox's own, Starter, 1,000 calls a day per "
        "organisation)",
    )
    parser.add_argument(
        "--secrets-audit-file",
        type=Path,
        help="for tests: write every secret the run used (mode 0600), to search the outputs for them",
    )
    args = parser.parse_args(argv)

    def say(text: str) -> None:
        print(text, flush=True)

    try:
        return run(
            args.output_dir.resolve(),
            args.rate_limits,
            say,
            args.secrets_audit_file,
            args.runner,
            args.xero_tier,
        )
    except meltano_env.MeltanoUnavailable as exc:
        print(f"\nMeltano could not be installed: {exc}", file=sys.stderr)
        print(
            "Without network access to PyPI, run the same demo without Meltano:\n"
            "    uv run python -m demo --runner airbyte",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
