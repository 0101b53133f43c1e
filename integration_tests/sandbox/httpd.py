"""A keep-alive HTTP/1.1 server for the emulators.

Werkzeug's development server answers every request with `Connection: close`, so each call costs a new TCP
connection and a new thread, and the sandbox tops out at a few hundred calls a second — slower than the
connectors it is meant to measure. This server keeps connections open (a thread per connection, as
clients with a connection pool expect), reads bodies by Content-Length or chunked encoding, and hands a
plain WSGI environ to the app. The app also gets the raw socket (`sandbox.socket`), which is how the
`reset` fault drops a connection without answering. The few answers this layer writes itself (413, and
500 when the app crashes) date their `Date` header from the clock it is given, the sandbox clock, so
every response of the sandbox agrees on what time it is.
"""

from __future__ import annotations

import io
import logging
import sys
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

MAX_BODY_BYTES = 64 * 1024 * 1024

log = logging.getLogger("sandbox.httpd")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; with Nagle on, each response would stall ~40 ms.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The `Date` of answers written here (send_error), from the sandbox clock."""
        return super().date_time_string(self.server.clock() if timestamp is None else timestamp)

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "RAW_URI": self.path,
            "QUERY_STRING": query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "sandbox.socket": self.connection,
        }
        if self.headers.get("Content-Type"):
            environ["CONTENT_TYPE"] = self.headers["Content-Type"]
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in (
                "HTTP_CONTENT_TYPE",
                "HTTP_CONTENT_LENGTH",
                "HTTP_TRANSFER_ENCODING",
            ):  # body is de-chunked
                continue
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def _run(self) -> None:
        body = self._read_body()
        if body is None:
            self.send_error(413, "Request body too large for the sandbox")
            self.close_connection = True
            return
        environ = self._environ(body)
        status_holder: list[str] = []
        headers_holder: list[list[tuple[str, str]]] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status_holder[:] = [status]
            headers_holder[:] = [headers]
            return lambda data: None

        try:
            result = self.server.app(environ, start_response)
            try:
                payload = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except Exception:  # a sandbox bug must still answer, and be visible on stderr
            log.exception("unhandled error serving %s %s", self.command, self.path)
            self.send_error(500, "Sandbox error (see the sandbox's stderr)")
            return
        if environ.get("sandbox.dropped"):
            self.close_connection = True
            return
        code, _, reason = status_holder[0].partition(" ")
        self.send_response_only(int(code), reason or None)
        for name, value in headers_holder[0]:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _run


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], app: WsgiApp, clock: Callable[[], float]) -> None:
        self.app = app
        self.clock = clock
        super().__init__(address, _Handler)


def make_keepalive_server(
    host: str, port: int, app: WsgiApp, clock: Callable[[], float] = time.time
) -> ThreadingHTTPServer:
    return _Server((host, port), app, clock)
