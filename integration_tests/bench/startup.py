"""Start-up cost of every connector process, per connector and protocol: what each run pays before work.

Three figures, each from real processes with the bytecode cache warm (`connector_env`):
- `spec`: the Airbyte `spec` / Singer `--about --format json` command run to its end (interpreter, imports,
  CLI, the spec itself): wall, CPU and peak RSS (the exec probe's), the second of two runs;
- `import`: `python -X importtime -c "import <adapter module>"`: the adapter module's cumulative import
  time and the heaviest top-level packages it pulls in (where the start-up goes);
- for the forward pipeline (source-autotask/tap-autotask, destination-xero/target-xero): time from spawn
  to the first record on stdout (sources, against the sandbox) and to the first HTTP connection the
  process opens (both: a listener stands in for the vendor's API, records when the process connects, and
  the process is then stopped; the destination reads the first records the source emitted). That is the
  latency a scheduler sees before anything happens.

`cdk_probe` measures `import airbyte_cdk` twice in fresh interpreters: as installed, and with serpyco-rs'
attribute-doc extraction (`get_attributes_doc`) replaced by a stub returning no docs, so the report shows
what the serializer build's source parsing costs (see the benchmark README paragraph for the finding).
"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from demo import configs as demo_configs
from demo.pipe import console_script
from sandbox.launcher import RunningSandbox

from .measure import connector_env, reap, run_alone, spawn
from .scenarios import SINGER_CATALOG

# (console script, connector, protocol, the arguments that print its spec)
SCRIPTS = (
    ("source-autotask", "source-autotask", "airbyte", ["spec"]),
    ("tap-autotask", "source-autotask", "singer", ["--about", "--format", "json"]),
    ("destination-xero", "destination-xero", "airbyte", ["spec"]),
    ("target-xero", "destination-xero", "singer", ["--about", "--format", "json"]),
    ("source-xero-payments", "source-xero-payments", "airbyte", ["spec"]),
    ("tap-xero-payments", "source-xero-payments", "singer", ["--about", "--format", "json"]),
    ("destination-autotask-payments", "destination-autotask-payments", "airbyte", ["spec"]),
    ("target-autotask-payments", "destination-autotask-payments", "singer", ["--about", "--format", "json"]),
)
FORWARD = ("source-autotask", "tap-autotask", "destination-xero", "target-xero")
# The destination's input for its first-call figure: the source's output up to its first invoices (the
# reference streams come first), so the destination has documents to write when its input ends.
INPUT_INVOICES = 20
INPUT_MAX_LINES = 50_000
FIRST_CALL_TIMEOUT = 120.0
CDK_STUB = (
    "import serpyco_rs._describe as d, serpyco_rs._json_schema._convert as c, serpyco_rs._utils as u\n"
    "u.get_attributes_doc = d.get_attributes_doc = c.get_attributes_doc = lambda t: {}\n"
)


def adapter_module(script: str) -> str:
    """The module behind a console script (its entry point, `module:attr`)."""
    for entry in entry_points(group="console_scripts"):
        if entry.name == script:
            return entry.value.split(":", 1)[0]
    raise LookupError(f"no console script {script!r} installed")


def parse_importtime(stderr: str, module: str, top: int = 5) -> dict[str, Any]:
    """`-X importtime` lines (`import time: self | cumulative | <indent>name`, µs, children printed before
    their parent, two spaces of indent a level): the module's cumulative seconds and its heaviest direct
    imports, by top-level package."""
    children: dict[str, int] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if not cumulative.strip().isdigit():
            continue
        micros, depth = int(cumulative.strip()), (len(name) - len(name.lstrip(" ")) - 1) // 2
        if depth == 0:
            if name.strip() == module:
                heaviest = sorted(children.items(), key=lambda kv: kv[1], reverse=True)[:top]
                return {"seconds": micros / 1e6, "heaviest": {n: us / 1e6 for n, us in heaviest}}
            children = {}
        elif depth == 1:
            root = name.strip().split(".")[0]
            children[root] = max(children.get(root, 0), micros)
    return {"seconds": None, "heaviest": {}}


def import_cost(module: str, cwd: Path) -> dict[str, Any]:
    command = [sys.executable, "-X", "importtime", "-c", f"import {module}"]
    subprocess.run(command, cwd=cwd, env=connector_env(), capture_output=True, timeout=300, check=False)
    done = subprocess.run(command, cwd=cwd, env=connector_env(), capture_output=True, timeout=300, text=True)
    if done.returncode != 0:
        return {"seconds": None, "error": done.stderr.strip().splitlines()[-1:]}
    return parse_importtime(done.stderr, module)


def spec_cost(script: str, args: list[str], cwd: Path) -> dict[str, Any]:
    run_alone([console_script(script), *args], cwd, timeout=300)  # fills the bytecode cache
    result = run_alone([console_script(script), *args], cwd, timeout=300).result
    return {
        "exit_code": result.exit_code,
        "wall_seconds": result.wall_seconds,
        "cpu_seconds": result.cpu_seconds,
        "peak_rss_mb": result.peak_rss_mb,
    }


def cdk_probe(cwd: Path, runs: int = 3) -> dict[str, Any]:
    """`import airbyte_cdk` as installed and with the attribute-doc extraction stubbed (median seconds)."""

    def timed(prefix: str) -> float:
        code = (
            "import time\nt = time.perf_counter()\nimport serpyco_rs\n"
            + prefix
            + "import airbyte_cdk\nprint(time.perf_counter() - t)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=cwd,
            env=connector_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-500:])
        return float(done.stdout.strip())

    timed("")  # bytecode cache
    plain = [timed("") for _ in range(runs)]
    stubbed = [timed(CDK_STUB) for _ in range(runs)]
    return {
        "import_seconds": statistics.median(plain),
        "import_seconds_without_attribute_docs": statistics.median(stubbed),
        "attribute_docs_seconds": statistics.median(plain) - statistics.median(stubbed),
        "runs": runs,
        "python": sys.version.split()[0],
    }


class FirstConnection:
    """A TCP listener standing in for a vendor API: the monotonic time of the first connection."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connected = threading.Event()
        self.at: float | None = None
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            if self.at is None:
                self.at = time.monotonic()
                self.connected.set()
            connection.close()

    def close(self) -> None:
        self.server.close()


def _first_call(command: list[str], cwd: Path, listener: FirstConnection, stdin: Path | None) -> float | None:
    """Spawn → the first connection to `listener`; the process is stopped then (or when it exits)."""
    handle = stdin.open("rb") if stdin else None
    try:
        probed = spawn(
            command,
            cwd,
            cwd=cwd,
            env=connector_env(),
            stdin=handle or subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + FIRST_CALL_TIMEOUT
        while not listener.connected.wait(0.05):
            if probed.process.poll() is not None or time.monotonic() > deadline:
                break
        probed.kill()
        reap(probed, Path(command[0]).name)
        return None if listener.at is None else listener.at - probed.started
    finally:
        if handle:
            handle.close()


def _invoices_read() -> Callable[[bytes], bool]:
    """A `stop` for `run_alone`: true once INPUT_INVOICES invoice records went by."""
    seen = [0]

    def stop(raw: bytes) -> bool:
        if b'"RECORD"' in raw and b'"invoices"' in raw:
            seen[0] += 1
        return seen[0] >= INPUT_INVOICES

    return stop


def _with_listener(path: Path, target: Path, change: dict[str, Any]) -> Path:
    """A copy of a config file with its API URLs pointed at the listener (private, like the original)."""
    config = json.loads(path.read_text(encoding="utf-8"))
    for section, values in change.items():
        if section:
            config[section] = {**(config.get(section) or {}), **values}
        else:
            config.update(values)
    target.write_text(json.dumps(config), encoding="utf-8")
    target.chmod(0o600)
    return target


def first_output(running: RunningSandbox, workdir: Path) -> dict[str, dict[str, float | None]]:
    """Spawn to first record (sources, on the sandbox) and spawn to first connection (all four)."""
    configs = demo_configs.write_configs(running.info, workdir, workdir)
    catalog = str(demo_configs.SOURCE_CATALOG)
    sources = {
        "source-autotask": [
            console_script("source-autotask"),
            "read",
            "--config",
            "{config}",
            "--catalog",
            catalog,
        ],
        "tap-autotask": [
            console_script("tap-autotask"),
            "--config",
            "{config}",
            "--catalog",
            str(SINGER_CATALOG),
        ],
    }
    destinations = {
        "destination-xero": [
            console_script("destination-xero"),
            "write",
            "--config",
            "{config}",
            "--catalog",
            catalog,
        ],
        "target-xero": [console_script("target-xero"), "--config", "{config}"],
    }
    out: dict[str, dict[str, float | None]] = {}
    inputs: dict[str, Path] = {}
    for (name, command), protocol in zip(sources.items(), ("airbyte", "singer"), strict=True):
        real = [str(configs.source) if a == "{config}" else a for a in command]
        run = run_alone(real, workdir, keep=INPUT_MAX_LINES, stop=_invoices_read(), timeout=600)
        inputs[protocol] = workdir / f"{protocol}-input.jsonl"
        inputs[protocol].write_bytes(b"".join(run.kept))
        listener = FirstConnection()
        try:
            url = listener.url + "/atservicesrest/v1.0/zoneInformation"
            config = _with_listener(
                configs.source, workdir / f"{name}-listener.json", {"": {"zone_lookup_url": url}}
            )
            first_call = _first_call(
                [config.as_posix() if a == "{config}" else a for a in command], workdir, listener, None
            )
        finally:
            listener.close()
        out[name] = {"first_record_seconds": run.first_record_seconds, "first_call_seconds": first_call}
    for (name, command), protocol in zip(destinations.items(), ("airbyte", "singer"), strict=True):
        listener = FirstConnection()
        try:
            change = {"xero": {"api_url": listener.url + "/api.xro/2.0", "identity_url": listener.url}}
            config = _with_listener(configs.destination, workdir / f"{name}-listener.json", change)
            real = [str(config) if a == "{config}" else a for a in command]
            out[name] = {"first_call_seconds": _first_call(real, workdir, listener, inputs[protocol])}
        finally:
            listener.close()
    return out


def measure(cwd: Path, scripts: tuple[str, ...] | None = None) -> dict[str, Any]:
    """`spec` and import cost per console script (all of them unless `scripts` names some)."""
    out: dict[str, Any] = {}
    for script, connector, protocol, args in SCRIPTS:
        if scripts is not None and script not in scripts:
            continue
        module = adapter_module(script)
        out[script] = {
            "connector": connector,
            "protocol": protocol,
            "module": module,
            "spec": spec_cost(script, args, cwd),
            "import": import_cost(module, cwd),
        }
    return out
