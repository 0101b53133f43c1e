"""Turn the sandbox's ready line into the environment variables meltano.yml reads.

Why a helper: meltano.yml holds no secret and no address, only setting names; a run against the local
sandbox needs ~15 values from the ready line, two of which (the token store and the mapping file) must be
shared by both Xero plugins. Used by the Meltano test and by hand:

    uv run sandbox up --rate-limits off > ready.json &
    eval "$(python integration_tests/meltano/sandbox_env.py --workdir /tmp/at-xero < ready.json)"
    meltano run autotask-to-xero

The mapping file is the demo's own (catalogs/demo/destination.demo.yaml, also used by `make demo`); it names
the demo dataset's fixed Xero tenant ids, which are checked against the ready line so a changed dataset
fails here, by name, not as a rejected sync.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

MAPPING_FILE = Path(__file__).resolve().parents[2] / "catalogs" / "demo" / "destination.demo.yaml"


class TenantMismatch(ValueError):
    """The mapping file names tenants the running sandbox does not serve."""


def _mapping_tenant_ids(path: Path) -> set[str]:
    ids: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip().lstrip("- ").strip()
        if stripped.startswith("tenant_id:"):
            ids.add(stripped.split(":", 1)[1].strip())
    return ids


def meltano_env(info: dict[str, Any], workdir: Path, mapping_file: Path = MAPPING_FILE) -> dict[str, str]:
    """Environment for `meltano run` against the sandbox described by `info` (the ready line)."""
    served = {t["tenant_id"] for t in info["xero"].get("tenants", [])}
    missing = _mapping_tenant_ids(mapping_file) - served
    if missing:
        raise TenantMismatch(
            f"{mapping_file.name} names tenants the sandbox does not serve: {sorted(missing)}"
        )
    autotask, xero = info["autotask"], info["xero"]
    workdir.mkdir(parents=True, exist_ok=True)
    return {
        "MELTANO_ENVIRONMENT": "sandbox",
        "AUTOTASK_USERNAME": autotask["username"],
        "AUTOTASK_SECRET": autotask["secret"],
        "AUTOTASK_INTEGRATION_CODE": autotask["integration_code"],
        "AUTOTASK_ZONE_LOOKUP_URL": autotask["zone_lookup_url"],
        "XERO_CLIENT_ID": xero["client_id"],
        "XERO_CLIENT_SECRET": xero["client_secret"],
        "XERO_REFRESH_TOKEN": xero["refresh_token"],
        "XERO_API_URL": xero["api_url"],
        "XERO_IDENTITY_URL": xero["identity_url"],
        "XERO_TOKEN_STORE_PATH": str(workdir / "xero-token.json"),
        "AUTOTASK_XERO_MAPPING_FILE": str(mapping_file),
        "TARGET_XERO_REJECTED_RECORDS_PATH": str(workdir / "rejected-xero.jsonl"),
        "TARGET_AUTOTASK_PAYMENTS_REJECTED_RECORDS_PATH": str(workdir / "rejected-payments.jsonl"),
        # The demo holds documents Xero must refuse (a USD invoice for an organisation without USD, New
        # Zealand GST the Australian organisation cannot charge): they go to the rejected-records file.
        # Off here so that a rehearsal's `meltano run` (and the Meltano tests) exits 0 on them; the good
        # documents are written either way. Not what production does (the mapping says true), and not
        # what `make demo` runs: its Meltano runner drops this so both runners exit as a scheduler would.
        "TARGET_XERO_FAIL_ON_REJECTIONS": "false",
        "TARGET_XERO_SPLIT_POLICY": "split",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workdir", type=Path, required=True, help="token store and rejected records go here"
    )
    parser.add_argument("--mapping-file", type=Path, default=MAPPING_FILE)
    args = parser.parse_args(argv)
    line = sys.stdin.readline()
    if not line.strip():
        print("expected the sandbox ready line on stdin", file=sys.stderr)
        return 2
    try:
        env = meltano_env(json.loads(line), args.workdir.resolve(), args.mapping_file.resolve())
    except TenantMismatch as exc:
        print(str(exc), file=sys.stderr)
        return 1
    for key, value in env.items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
