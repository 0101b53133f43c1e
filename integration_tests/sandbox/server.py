"""The HTTP shell shared by both emulators: threads, admin endpoints, fault injection and accounting.

Each emulator is an `ApiApp` that turns a werkzeug `Request` into a `Response`; this module wraps it with
what every sandbox server has in common: `/__sandbox/{stats,requests,reset,faults,clock,hold}`, seeded faults,
the request log (calls and response bytes, per tenant where the app names one), and a real threaded
HTTP/1.1 server bound to 127.0.0.1 only. Any other `/__sandbox/{action}` goes to the app's own `admin`
hook (Autotask's `rows`, for instance), so app-specific test controls live with the app they drive.

Every response, API or admin, carries a `Date` header (RFC 7231 IMF-fixdate, always GMT) read from the
shared sandbox clock, as both vendors' web servers send one: a connector may take it as the server's
"now", and advancing the clock (`POST /__sandbox/clock`) moves it with everything else.
"""

from __future__ import annotations

import logging
import signal
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from werkzeug.exceptions import BadRequest
from werkzeug.http import http_date
from werkzeug.wrappers import Request, Response

from . import jsonmoney
from .clock import SandboxClock
from .faults import FaultConfig, FaultInjector
from .hold import HoldRule, ResponseHold
from .httpd import make_keepalive_server
from .ratelimits import RateLimitPolicy
from .recorder import Recorder, RequestEntry

ADMIN_PREFIX = "/__sandbox/"

# The signals `sandbox up` stops on. Only the main thread can run a Python signal handler, and a signal the
# kernel hands to a server thread just sets a flag the waiting main thread never looks at, so server threads
# block these and the kernel has to deliver them to the main thread.
STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})


@dataclass
class CallContext:
    """Per-request facts the API app fills in for the accounting around it."""

    entry: RequestEntry
    template: str = ""
    tenant: str | None = None
    throttled: bool = False
    log_body: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class ApiApp(Protocol):
    name: str

    def handle(self, request: Request, ctx: CallContext) -> Response: ...

    def fault_response(self, kind: str, request: Request, ctx: CallContext) -> Response:
        """A 429, 500 or 503 in the vendor's own shape (the request is not processed)."""
        ...

    def reset(self) -> None:
        """Back to the loaded dataset."""
        ...

    def admin(self, action: str, request: Request) -> Response | None:
        """An app-specific `/__sandbox/{action}`; None when the app has no such action.

        Raising ValueError or TypeError answers 400 `{"error": message}`, like the shared admin calls.
        """
        ...


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        jsonmoney.dumps(data, default=str),
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


class SandboxServer:
    """One emulator on 127.0.0.1:port, served from a background thread."""

    def __init__(
        self,
        app: ApiApp,
        clock: SandboxClock,
        policy: RateLimitPolicy,
        port: int = 0,
        faults: FaultConfig | None = None,
    ) -> None:
        self.app = app
        self.clock = clock
        self.policy = policy
        self.recorder = Recorder()
        self.faults = FaultInjector(faults or FaultConfig())
        # Seconds the shared clock moves on after each API call here: a test of token expiry then spans
        # as many token lifetimes on a fast machine as on a slow one.
        self.per_call_seconds = 0.0
        self.hold = ResponseHold()
        self._server = make_keepalive_server("127.0.0.1", port, self._wsgi, clock=clock.time)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"{self.app.name}-http",
            daemon=True,
        )
        start_without_stop_signals(self._thread)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- WSGI -----------------------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path.startswith(ADMIN_PREFIX):
            response = self._admin(request)
        else:
            response = self._call_api(request, environ)
        response.headers["Date"] = http_date(self.clock.time())
        return response(environ, start_response)

    def _call_api(self, request: Request, environ: dict[str, Any]) -> Response:
        entry = RequestEntry(
            method=request.method,
            path=request.path,
            query={k: v if len(v) > 1 else v[0] for k, v in request.args.lists()},
            body=None,
        )
        ctx = CallContext(entry=entry, template=request.path)
        self.recorder.start(entry)
        fault = self.faults.draw()
        if fault in ("429", "500", "503"):
            response = self.app.fault_response(fault, request, ctx)
        else:
            try:
                response = self.app.handle(request, ctx)
            except Exception as exc:  # a sandbox bug must still answer, and loudly
                logging.getLogger("sandbox").exception("unhandled error in %s emulator", self.app.name)
                response = json_response({"sandboxError": f"{type(exc).__name__}: {exc}"}, status=500)
        entry.tenant = ctx.tenant
        entry.body = ctx.log_body
        throttled = ctx.throttled or response.status_code == 429
        size = response.calculate_content_length() or 0
        self.recorder.finish(entry, ctx.template or request.path, response.status_code, throttled, size)
        if self.per_call_seconds:
            self.clock.advance(self.per_call_seconds)
        self.hold.after_answer(request.method, request.path)
        if fault == "slow":
            time.sleep(self.faults.config.slow_seconds)
        elif fault == "reset":
            _reset_connection(environ)
        return response

    # --- admin ----------------------------------------------------------------------------------------

    def _admin(self, request: Request) -> Response:
        action = request.path[len(ADMIN_PREFIX) :].strip("/")
        try:
            if action == "stats" and request.method == "GET":
                stats = self.recorder.stats()
                extra = getattr(self.app, "stats_extra", None)  # what only this emulator knows
                if callable(extra):
                    stats.update(extra())
                return json_response(stats)
            if action == "requests" and request.method == "GET":
                return json_response(self.recorder.requests())
            if action == "reset" and request.method == "POST":
                self.app.reset()
                self.recorder.reset()
                self.faults.configure(FaultConfig())
                self.per_call_seconds = 0.0
                self.hold.release()
                return json_response({"reset": True})
            if action == "faults" and request.method == "POST":
                config = FaultConfig.from_json(request.get_json(force=True))
                self.faults.configure(config)
                return json_response({"faults": config.to_json()})
            if action == "faults" and request.method == "GET":
                return json_response(
                    {"faults": self.faults.config.to_json(), "injected": self.faults.injected}
                )
            if action == "clock" and request.method == "POST":
                body = request.get_json(force=True) or {}
                if "per_call_seconds" in body:
                    per_call = float(body["per_call_seconds"])
                    if per_call < 0:
                        raise ValueError("the sandbox clock only moves forward")
                    self.per_call_seconds = per_call
                offset = self.clock.advance(float(body.get("advance_seconds", 0)))
                return json_response(
                    {
                        "offset_seconds": offset,
                        "now": self.clock.now().to_iso8601_string(),
                        "per_call_seconds": self.per_call_seconds,
                    }
                )
            if action == "clock" and request.method == "GET":
                return json_response(
                    {"offset_seconds": self.clock.offset, "now": self.clock.now().to_iso8601_string()}
                )
            if action == "hold" and request.method == "POST":
                body = request.get_json(force=True) or {}
                if body.get("release"):
                    return json_response(self.hold.release())
                return json_response(self.hold.arm(HoldRule.from_json(body)))
            if action == "hold" and request.method == "GET":
                return json_response(self.hold.status(float(request.args.get("wait", 0))))
            own = self.app.admin(action, request)
            if own is not None:
                return own
        except (ValueError, TypeError, BadRequest) as exc:
            return json_response({"error": str(exc)}, status=400)
        return json_response({"error": f"unknown admin call {request.method} {request.path}"}, status=404)


def start_without_stop_signals(thread: threading.Thread) -> None:
    """Start `thread` with STOP_SIGNALS blocked in it and in every thread it starts (connection threads).

    A thread inherits its creator's signal mask, so blocking around `start()` is enough; the caller's mask
    is restored at once, and a signal that arrived meanwhile is delivered to it then.
    """
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX: signals only ever reach the main thread
        thread.start()
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        thread.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _reset_connection(environ: dict[str, Any]) -> None:
    """Drop the TCP connection with an RST and no response, like a load balancer resetting it."""
    sock = environ.get("sandbox.socket")
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    environ["sandbox.dropped"] = True
