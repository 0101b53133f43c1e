"""Layout rules that import-linter's contracts cannot state, checked by `make lint`.

1. No product module (the libraries and the connectors) is longer than MAX_LINES: a module a reader cannot
   hold in their head is where two jobs hide. The sandbox, the demo, tests and the benchmark are not held to
   it (an emulator's rule table reads better whole).
2. No core module imports an adapter (`airbyte.py`, `singer.py`): `.importlinter` lets only the adapters
   import the SDKs, so a core reaching an adapter would carry the SDK in through the back door.

Exit status 1 with one line per breach, naming the file and the rule.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import grimp

ROOT = Path(os.environ.get("LAYOUT_ROOT") or Path(__file__).resolve().parent.parent)
MAX_LINES = 400
PRODUCT_PACKAGES = {
    "autotask_client": "libs/autotask-client/autotask_client",
    "xero_client": "libs/xero-client/xero_client",
    "connector_kit": "libs/connector-kit/connector_kit",
    "source_autotask": "source-autotask/source_autotask",
    "destination_xero": "destination-xero/destination_xero",
    "source_xero_payments": "source-xero-payments/source_xero_payments",
    "destination_autotask_payments": "destination-autotask-payments/destination_autotask_payments",
    "autotask_xero": "autotask-xero/autotask_xero",
}
CONNECTORS = ("source_autotask", "destination_xero", "source_xero_payments", "destination_autotask_payments")
ADAPTERS = ("airbyte", "singer")


def oversized_modules() -> list[str]:
    breaches = []
    for folder in PRODUCT_PACKAGES.values():
        for path in sorted((ROOT / folder).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").count("\n")
            if lines > MAX_LINES:
                breaches.append(
                    f"{path.relative_to(ROOT)}: {lines} lines, over the {MAX_LINES}-line limit for product "
                    "modules; split it by job"
                )
    return breaches


def cores_importing_adapters() -> list[str]:
    missing = [name for name in CONNECTORS if importlib.util.find_spec(name) is None]
    if missing:
        return [f"{name}: not installed in this environment (run `make sync`)" for name in missing]
    present = list(CONNECTORS)
    graph = grimp.build_graph(*present)
    breaches = []
    for package in present:
        adapters = {f"{package}.{name}" for name in ADAPTERS}
        adapter_modules = {m for m in graph.find_children(package) if m in adapters}
        adapter_modules |= {d for a in adapter_modules for d in graph.find_descendants(a)}
        for module in sorted(graph.find_descendants(package) | {package}):
            if module in adapter_modules:
                continue
            for adapter in sorted(adapter_modules):
                if graph.direct_import_exists(importer=module, imported=adapter):
                    breaches.append(
                        f"{module} imports the adapter {adapter}: cores stay protocol-free; move what both "
                        "need into the core"
                    )
    return breaches


def main() -> int:
    breaches = oversized_modules() + cores_importing_adapters()
    for line in breaches:
        print(line)
    if not breaches:
        print(f"layout ok: product modules within {MAX_LINES} lines, no core imports an adapter")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
