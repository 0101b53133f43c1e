"""Xero Accounting + identity emulator (placeholder until the emulator lands: every call answers 404)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..clock import SandboxClock
from ..credentials import XeroCredentials
from ..ratelimits import RateLimitPolicy
from ..server import CallContext, json_response


class XeroApp:
    name = "xero"

    def __init__(
        self,
        data: dict[str, dict[str, Any]],
        clock: SandboxClock,
        policy: RateLimitPolicy,
        credentials: XeroCredentials,
        token_ttl: int = 1800,
    ) -> None:
        self.data = data
        self.clock = clock
        self.policy = policy
        self.credentials = credentials
        self.token_ttl = token_ttl

    def initial_refresh_token(self) -> str:
        return "placeholder"

    def tenants(self) -> list[dict[str, str]]:
        return []

    def custom_connection_info(self) -> dict[str, Any]:
        return {}

    def handle(self, request: Request, ctx: CallContext) -> Response:
        return json_response({"Message": "not implemented yet"}, status=404)

    def fault_response(self, kind: str, request: Request, ctx: CallContext) -> Response:
        return json_response({"Message": f"injected {kind}"}, status=int(kind))

    def reset(self) -> None:
        return
