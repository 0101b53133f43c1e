"""Fails any test whose outputs carry a secret a sandbox issued (`-p sandbox_testkit.secret_scan`).

Why a plugin and not one more assertion per test: a leaked refresh token is access to a company's books, and
a leak can surface anywhere a test did not think to look (a log line, a rejected-record file, a report, a
state file, a subprocess's stderr). So every test is scanned the same way, for every secret of every sandbox
started in the session:
- learning: `RunningSandbox.__init__` is wrapped, so each sandbox's ready line (the Autotask secret and
  integration code, the Xero client secrets and refresh token) is learnt the moment a test starts it,
  whichever module imported the launcher; secret audit files (a JSON list of secrets, such as the demo's
  `--secrets-audit-file`) are learnt at the end of the session;
- scanned after each test: the captured stdout/stderr/log sections of its report, the stdout and stderr of
  every subprocess it ran with `communicate()` (so `subprocess.run(capture_output=True)` too), every file
  under its `tmp_path`, and files under the repository's `output/` written while it ran; at the end of the
  session every file under the session's base temp directory (module-scoped folders included); under
  xdist each worker scans its own and sends its findings to the controller, which fails the run for them;
- each secret is looked for raw, URL-encoded and inside a Basic authorization header.
A secret is allowed only where a test or the platform put it on purpose, decided by content rather than by
file name: as the value of a credential field (`secret`, `client_secret`, `refresh_token`,
`integration_code`, `access_token`, `password`, or an environment name with SECRET/TOKEN/PASSWORD/
INTEGRATION_CODE) in a JSON or YAML config, in an Airbyte CONTROL message (the platform persists the rotated
token from it), in the sandbox's ready line, or in `NAME=value` environment lines. Files whose name says they
are a token store or a secret file (`*token*`, `*secret*`) are skipped. A finding fails the test with the
place (section, subprocess or file, and line) and which credential it was, never the secret itself.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from sandbox import launcher

REPO = Path(__file__).resolve().parents[3]
MAX_FILE_BYTES = 20 * 1024 * 1024
MIN_SECRET_LENGTH = 8
SKIP_DIRS = frozenset({"site-packages", "__pycache__", ".git", "node_modules", ".venv", "venv"})
_CREDENTIAL_KEYS = re.compile(r"(secret|token|password|integration_?code|api_?key)$", re.IGNORECASE)
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=")


@dataclass(frozen=True)
class Finding:
    where: str
    line: int
    label: str

    def describe(self) -> str:
        return f"{self.where}:{self.line}: {self.label}"


@dataclass
class SecretBook:
    """Every secret form learnt this session, mapped to a label that names it without showing it."""

    forms: dict[str, str] = field(default_factory=dict)
    sandboxes: int = 0
    outputs: int = 0
    reliability_outputs: int = 0
    reliability_findings: int = 0
    findings: list[Finding] = field(default_factory=list)

    def add(self, value: Any, label: str) -> None:
        if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH:
            return
        self.forms.setdefault(value, label)
        quoted = urllib.parse.quote(value, safe="")
        self.forms.setdefault(quoted, f"{label} (URL-encoded)")

    def add_basic(self, client_id: Any, client_secret: Any, label: str) -> None:
        if isinstance(client_id, str) and isinstance(client_secret, str) and client_secret:
            pair = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
            self.forms.setdefault(pair, f"{label} (Basic authorization)")

    def learn(self, info: dict[str, Any]) -> None:
        autotask = info.get("autotask") or {}
        xero = info.get("xero") or {}
        custom = xero.get("custom_connection") or {}
        self.add(autotask.get("secret"), "autotask.secret")
        self.add(autotask.get("integration_code"), "autotask.integration_code")
        self.add(xero.get("client_secret"), "xero.client_secret")
        self.add(xero.get("refresh_token"), "xero.refresh_token")
        self.add(custom.get("client_secret"), "xero.custom_connection.client_secret")
        self.add_basic(xero.get("client_id"), xero.get("client_secret"), "xero.client_secret")
        self.add_basic(custom.get("client_id"), custom.get("client_secret"), "xero.custom_connection")
        self.sandboxes += 1

    def hits(self, text: str) -> list[str]:
        return [label for form, label in self.forms.items() if form in text]


BOOK = SecretBook()


# ---- learning: every RunningSandbox, whoever starts it ------------------------------------------------
def _install() -> None:
    cls = launcher.RunningSandbox
    if getattr(cls.__init__, "_secret_scan", False):
        return
    original = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        BOOK.learn(self.info)

    __init__._secret_scan = True  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[method-assign]


_install()


# ---- subprocess outputs -------------------------------------------------------------------------------
_CAPTURED: list[tuple[str, str]] = []
_original_communicate = subprocess.Popen.communicate


def _communicate(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> Any:
    result = _original_communicate(self, *args, **kwargs)
    name = Path(str(self.args[0] if isinstance(self.args, list | tuple) else self.args)).name
    for stream, data in zip(("stdout", "stderr"), result, strict=False):
        if data:
            text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
            _CAPTURED.append((f"subprocess {name} {stream}", text))
    return result


subprocess.Popen.communicate = _communicate  # type: ignore[method-assign]


# ---- what counts as "on purpose" ----------------------------------------------------------------------
def _only_under_credential_keys(value: Any, key: str = "") -> bool:
    """True when no secret occurs in this JSON/YAML value except as the value of a credential field."""
    if isinstance(value, dict):
        return all(_only_under_credential_keys(v, str(k)) for k, v in value.items())
    if isinstance(value, list):
        return all(_only_under_credential_keys(v, key) for v in value)
    if isinstance(value, str):
        return bool(_CREDENTIAL_KEYS.search(key)) or not BOOK.hits(value)
    return True


def _allowed_line(line: str) -> bool:
    match = _ENV_LINE.match(line)
    if match and _CREDENTIAL_KEYS.search(match.group(1)):
        return True
    stripped = line.strip()
    if not stripped.startswith("{"):
        return False
    try:
        message = json.loads(stripped)
    except ValueError:
        return False
    if not isinstance(message, dict):
        return False
    platform = message.get("type") == "CONTROL" or ({"autotask", "xero"} <= set(message))
    return platform and _only_under_credential_keys(message)


def scan_text(text: str, where: str) -> list[Finding]:
    if not BOOK.forms or not BOOK.hits(text):
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for label in BOOK.hits(line):
            if not _allowed_line(line):
                found.append(Finding(where, number, label))
    return found


def _structured_config(path: Path, text: str) -> bool:
    try:
        value = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    except (ValueError, yaml.YAMLError):
        return False
    return isinstance(value, dict) and _only_under_credential_keys(value)


def _on_purpose_name(path: Path) -> bool:
    name = path.name.lower()
    return "secret" in name or "token" in name


def scan_file(path: Path) -> list[Finding]:
    if _on_purpose_name(path):
        return []
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return []
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return []
    if not BOOK.hits(text) or _structured_config(path, text):
        return []
    return scan_text(text, str(path))


def walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        if "pyvenv.cfg" in files:  # a virtualenv (Meltano's plugins): installed code, not test output
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in files:
            yield Path(folder) / name


# ---- per test -----------------------------------------------------------------------------------------
_STARTED = pytest.StashKey[float]()
_SCANNED: set[Path] = set()


def _is_reliability(item: pytest.Item) -> bool:
    return "reliability" in item.path.parts


def _scan_outputs(item: pytest.Item, sections: list[tuple[str, str]], files: bool) -> list[Finding]:
    findings: list[Finding] = []
    texts: list[tuple[str, str]] = [(name.lower(), content) for name, content in sections]
    texts += _CAPTURED
    _CAPTURED.clear()
    paths: list[Path] = []
    if files:
        tmp = item.funcargs.get("tmp_path") if hasattr(item, "funcargs") else None
        if isinstance(tmp, Path) and tmp.exists():
            paths += list(walk(tmp))
        output = REPO / "output"
        started = item.stash.get(_STARTED, time.time())
        if output.is_dir():
            paths += [p for p in walk(output) if p.stat().st_mtime >= started - 1]
    for where, text in texts:
        findings += scan_text(text, where)
    for path in paths:
        findings += scan_file(path)
        _SCANNED.add(path)
    count = len(texts) + len(paths)
    BOOK.outputs += count
    if _is_reliability(item):
        BOOK.reliability_outputs += count
        BOOK.reliability_findings += len(findings)
    BOOK.findings += findings
    return findings


def redact(text: str) -> str:
    for form, label in sorted(BOOK.forms.items(), key=lambda item: -len(item[0])):
        text = text.replace(form, f"[{label}]")
    return text


def _fail(report: pytest.TestReport, findings: list[Finding]) -> None:
    """Fail the report and redact it: pytest prints a failed test's captured output, which is where the
    secret was found."""
    lines = "\n".join(f"  {f.describe()}" for f in findings[:50])
    message = f"secret scan: {len(findings)} sandbox secret(s) found in test outputs:\n{lines}"
    earlier = redact(report.longreprtext) if report.longrepr else ""
    report.outcome = "failed"
    report.longrepr = f"{earlier}\n\n{message}" if earlier else message
    report.sections = [(name, redact(text)) for name, text in report.sections]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_STARTED] = time.time()
    _CAPTURED.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if call.when == "call":  # setup and call: their captured sections, subprocesses and files
        findings = _scan_outputs(item, list(report.sections), files=True)
    elif call.when == "teardown":  # what the fixtures' teardown printed or ran
        own = [(name, text) for name, text in report.sections if "teardown" in name]
        findings = _scan_outputs(item, own, files=False)
    else:
        findings = []
    if findings:
        _fail(report, findings)
    if any(BOOK.hits(text) for _, text in report.sections):  # -rA prints passed tests' output too
        report.sections = [(name, redact(text)) for name, text in report.sections]


# ---- the end of the session ---------------------------------------------------------------------------
def _learn_audit_files(paths: Iterable[Path]) -> None:
    """Secret audit files (a JSON list of strings under a *secret* name) name secrets of sandboxes this
    process never saw start (the demo starts its own); learn them before the final scan."""
    for path in paths:
        if not (_on_purpose_name(path) and path.suffix == ".json"):
            continue
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            for secret in value:
                BOOK.add(secret, f"secret listed in {path.name}")


@dataclass
class _Totals:
    """What the end-of-session report needs; under xdist each worker sends its own, the controller adds."""

    sandboxes: int = 0
    forms: int = 0
    reliability_outputs: int = 0
    reliability_leaks: int = 0
    final: list[Finding] = field(default_factory=list)


_TOTALS = _Totals()
_WORKER_KEY = "secret_scan"


def _final_scan(session: pytest.Session) -> list[Finding]:
    """Every file under this process's base temp directory (module-scoped folders included)."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    final: list[Finding] = []
    if factory is None:
        return final
    try:
        base = factory.getbasetemp()
    except (OSError, ValueError):
        return final
    if base.exists():
        paths = list(walk(base))
        _learn_audit_files(paths)
        for path in paths:
            final += scan_file(path)  # rescan: audit files may have taught new secrets
        BOOK.outputs += len([p for p in paths if p not in _SCANNED])
    return final


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.pluginmanager.has_plugin("dsession"):
        # xdist's controller: it ran no test, and each worker scanned its own base temp directory
        _report(session)
        return
    final = _final_scan(session)
    BOOK.findings += final
    mine = _Totals(
        BOOK.sandboxes, len(BOOK.forms), BOOK.reliability_outputs, BOOK.reliability_findings, final
    )
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        # An xdist worker: its exit status and terminal summary are not the run's; the controller's are.
        workeroutput[_WORKER_KEY] = {**asdict(mine), "final": [asdict(f) for f in final]}
        return
    _add(mine)
    _report(session)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: a worker finished; add what its scan found to the run's totals."""
    raw = (getattr(node, "workeroutput", None) or {}).get(_WORKER_KEY)
    if raw:
        _add(_Totals(**{**raw, "final": [Finding(**f) for f in raw["final"]]}))


def _add(totals: _Totals) -> None:
    _TOTALS.sandboxes += totals.sandboxes
    _TOTALS.forms += totals.forms
    _TOTALS.reliability_outputs += totals.reliability_outputs
    _TOTALS.reliability_leaks += totals.reliability_leaks
    _TOTALS.final += totals.final


def _report(session: pytest.Session) -> None:
    """The Secrets row of the reliability table, and a failed run for secrets left in files."""
    from sandbox_testkit.scoreboard import BOARD

    final = _TOTALS.final
    if _TOTALS.reliability_outputs:
        leaks = _TOTALS.reliability_leaks + len(final)
        BOARD.row(
            "Secrets",
            "every output of the reliability suite scanned for every sandbox secret",
            measured=(
                f"{_TOTALS.reliability_outputs} outputs scanned across the reliability suite "
                f"({_TOTALS.sandboxes} sandboxes, {_TOTALS.forms} secret forms): {leaks} secrets"
            ),
            target="0 occurrences",
            met=leaks == 0,
        )
    if final:
        session.config.stash[_FINAL] = final
        if session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


_FINAL = pytest.StashKey[list[Finding]]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    final = config.stash.get(_FINAL, [])
    if final:
        terminalreporter.section("secret scan", red=True)
        terminalreporter.write_line(f"{len(final)} sandbox secret(s) found in files left by the session:")
        for finding in final[:50]:
            terminalreporter.write_line(f"  {finding.describe()}")
