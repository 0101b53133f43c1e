"""Autotask PSA REST emulator (placeholder until the emulator lands: every call answers 404)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..clock import SandboxClock
from ..credentials import AutotaskCredentials
from ..ratelimits import RateLimitPolicy
from ..server import CallContext, json_response


class AutotaskApp:
    name = "autotask"

    def __init__(
        self,
        data: dict[str, list[dict[str, Any]]],
        clock: SandboxClock,
        policy: RateLimitPolicy,
        credentials: AutotaskCredentials,
    ) -> None:
        self.data = data
        self.clock = clock
        self.policy = policy
        self.credentials = credentials

    def handle(self, request: Request, ctx: CallContext) -> Response:
        return json_response({"errors": ["not implemented yet"]}, status=404)

    def fault_response(self, kind: str, request: Request, ctx: CallContext) -> Response:
        return json_response({"errors": [f"injected {kind}"]}, status=int(kind))

    def reset(self) -> None:
        return
