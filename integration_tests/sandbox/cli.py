"""`sandbox up ...`: both emulators on 127.0.0.1 until killed; `sandbox export ...`: write a dataset file.

The ready line (one JSON object on stdout) is the contract other tools start from; everything else goes
to stderr.
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import sys
import threading
from typing import Any

from .clock import SandboxClock
from .credentials import AutotaskCredentials, XeroCredentials
from .faults import FaultConfig
from .ratelimits import RateLimitPolicy
from .server import STOP_SIGNALS, SandboxServer
from .xero.tiers import DEFAULT_TIER, TIERS, tier_named


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sandbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the Autotask and Xero emulators until SIGTERM/SIGINT")
    up.add_argument("--autotask-port", type=int, default=0, help="0 picks a free port")
    up.add_argument("--xero-port", type=int, default=0, help="0 picks a free port")
    up.add_argument("--dataset", default="demo", help="demo | bench:N | path to a dataset JSON file")
    up.add_argument("--seed", type=int, default=1, help="seed for generated datasets")
    up.add_argument("--rate-limits", default="real", help="real | scaled:F | off")
    up.add_argument(
        "--faults", default=None, help='"rate=0.1;kinds=429,500;seed=7" or JSON, applied to both APIs'
    )
    up.add_argument("--token-ttl", type=int, default=1800, help="Xero access-token lifetime in seconds")
    up.add_argument(
        "--xero-tier",
        default=DEFAULT_TIER,
        type=str.lower,
        choices=sorted(TIERS),
        help="the Xero app tier: its calls a day per organisation (starter 1,000, others 5,000) and how many "
        f"organisations it may connect (default {DEFAULT_TIER}, an MSP's own app)",
    )
    up.add_argument(
        "--xero-legacy-app",
        action="store_true",
        help="a Xero app created before 2 March 2026, which may still ask for accounting.transactions "
        "(default: a newer app, granular scopes only)",
    )

    export = sub.add_parser("export", help="write a generated dataset to a JSON file")
    export.add_argument("--dataset", default="demo", help="demo | bench:N | path")
    export.add_argument("--seed", type=int, default=1)
    export.add_argument("--out", required=True, help="file to write ('-' for stdout)")
    return parser


class Sandbox:
    """Both emulators, sharing one clock; used by the CLI and by in-process tooling."""

    def __init__(
        self,
        dataset: dict[str, Any],
        *,
        autotask_port: int = 0,
        xero_port: int = 0,
        policy: RateLimitPolicy | None = None,
        faults: FaultConfig | None = None,
        token_ttl: int = 1800,
        legacy_app: bool = False,
        xero_tier: str | None = None,
    ) -> None:
        from .autotask.app import AutotaskApp
        from .xero.app import XeroApp
        from .xero.scopes import LEGACY_APP_CREATED, NEW_APP_CREATED

        self.clock = SandboxClock()
        self.policy = policy or RateLimitPolicy()
        self.autotask_credentials = AutotaskCredentials(
            username=f"api-user-{secrets.token_hex(3)}@sandbox.example",
            secret=secrets.token_urlsafe(18),
            integration_code=secrets.token_hex(14).upper()[:27],
        )
        self.xero_credentials = XeroCredentials.generate()
        self.autotask_app = AutotaskApp(
            dataset.get("autotask", {}), self.clock, self.policy, self.autotask_credentials
        )
        self.xero_app = XeroApp(
            dataset.get("xero", {}),
            self.clock,
            self.policy,
            self.xero_credentials,
            token_ttl=token_ttl,
            app_created=LEGACY_APP_CREATED if legacy_app else NEW_APP_CREATED,
            tier=tier_named(xero_tier),
        )
        self.autotask = SandboxServer(self.autotask_app, self.clock, self.policy, autotask_port, faults)
        self.xero = SandboxServer(self.xero_app, self.clock, self.policy, xero_port, faults)

    def start(self) -> None:
        self.autotask.start()
        self.xero.start()

    def stop(self) -> None:
        self.autotask.stop()
        self.xero.stop()

    def ready_info(self) -> dict[str, Any]:
        at = self.autotask.root_url
        xr = self.xero.root_url
        creds = self.xero_credentials
        return {
            "autotask": {
                "zone_lookup_url": f"{at}/atservicesrest/v1.0/zoneInformation",
                "base_url": f"{at}/atservicesrest/",
                "username": self.autotask_credentials.username,
                "secret": self.autotask_credentials.secret,
                "integration_code": self.autotask_credentials.integration_code,
            },
            "xero": {
                "api_url": f"{xr}/api.xro/2.0",
                "identity_url": xr,
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
                "refresh_token": self.xero_app.initial_refresh_token(),
                "tenants": self.xero_app.tenants(),
                "custom_connection": self.xero_app.custom_connection_info(),
                "app": self.xero_app.app_info(),
                "tier": self.xero_app.tier_info(),
            },
        }


def _cmd_up(args: argparse.Namespace) -> int:
    from .dataset import load_dataset

    try:
        policy = RateLimitPolicy.parse(args.rate_limits)
        faults = FaultConfig.parse_cli(args.faults) if args.faults else None
        dataset = load_dataset(args.dataset, seed=args.seed)
    except (ValueError, OSError) as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 2
    sandbox = Sandbox(
        dataset,
        autotask_port=args.autotask_port,
        xero_port=args.xero_port,
        policy=policy,
        faults=faults,
        token_ttl=args.token_ttl,
        legacy_app=args.xero_legacy_app,
        xero_tier=args.xero_tier,
    )
    stop = _stop_on_signals()
    sandbox.start()
    sys.stdout.write(json.dumps(sandbox.ready_info()) + "\n")
    sys.stdout.flush()
    print(
        f"sandbox: Autotask on {sandbox.autotask.root_url}, Xero on {sandbox.xero.root_url} "
        f"(rate limits {policy.describe()}, Xero app tier {args.xero_tier}); Ctrl-C to stop",
        file=sys.stderr,
    )
    # The server threads block the stop signals (SandboxServer.start), so the kernel hands them to this
    # thread and the handler wakes the wait at once. The timeout is only a backstop: should a signal still
    # land on some other thread, the handler runs the next time this thread executes Python.
    while not stop.wait(_SIGNAL_BACKSTOP_SECONDS):
        pass
    sandbox.stop()
    print("sandbox: stopped", file=sys.stderr)
    return 0


_SIGNAL_BACKSTOP_SECONDS = 0.5


def _stop_on_signals() -> threading.Event:
    """An Event set by SIGTERM or SIGINT; the handlers are installed here, in the main thread."""
    stop = threading.Event()

    def _on_signal(signum: int, frame: Any) -> None:
        stop.set()

    for signum in STOP_SIGNALS:
        signal.signal(signum, _on_signal)
    return stop


def _cmd_export(args: argparse.Namespace) -> int:
    from .dataset import dumps, load_dataset

    try:
        dataset = load_dataset(args.dataset, seed=args.seed)
    except (ValueError, OSError) as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 2
    text = dumps(dataset, indent=1)
    if args.out == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        print(f"sandbox: wrote {args.out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "up":
        return _cmd_up(args)
    return _cmd_export(args)


if __name__ == "__main__":
    raise SystemExit(main())
