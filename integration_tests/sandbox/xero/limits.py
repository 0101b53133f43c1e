"""Xero's API limits: per connection (app + tenant) 5 in flight, 60 per rolling minute and the tier's day
limit per rolling day (1,000 on Starter, 5,000 on the other tiers and for custom connections; tiers.py);
per app 10,000 per rolling minute across all tenants.

Every Accounting answer carries `X-DayLimit-Remaining`, `X-MinLimit-Remaining` and
`X-AppMinLimit-Remaining`; a refused call is a 429 with `Retry-After` (whole seconds, rounded up, on the
sandbox clock and scaled by the policy) and `X-Rate-Limit-Problem`.

Choices where the sources are silent (UNCONFIRMED):
- a refused call consumes no quota (it is not counted in any window), so a client that backs off as told
  recovers exactly when `Retry-After` says;
- the limits are checked in the order concurrent, day, minute, app minute and the first one hit is named
  (`concurrent`, `day`, `minute`, `appminute`); a concurrency refusal says `Retry-After: 1`;
- with `--rate-limits off` nothing is counted and the headers report the full quotas (the tier's day limit).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from ..clock import SandboxClock
from ..ratelimits import ConcurrencyGate, RateLimitPolicy, SlidingWindow
from .tiers import FULL_DAY_LIMIT

CONCURRENT_LIMIT = 5
MINUTE_LIMIT = 60
DAY_LIMIT = FULL_DAY_LIMIT
APP_MINUTE_LIMIT = 10000
MINUTE_SECONDS = 60.0
DAY_SECONDS = 86400.0


@dataclass
class Admission:
    """The verdict for one call: admitted (then `release()` it when done) or refused with a problem."""

    admitted: bool
    headers: dict[str, str]
    problem: str | None = None
    retry_after: int = 0
    key: str | None = None


class XeroLimits:
    """`day_limit` is the app tier's; apps in `exempt_apps` (the custom connection) keep Xero's 5,000."""

    def __init__(
        self,
        clock: SandboxClock,
        policy: RateLimitPolicy,
        day_limit: int = DAY_LIMIT,
        exempt_apps: frozenset[str] = frozenset(),
    ) -> None:
        self.clock = clock
        self.policy = policy
        self.day_limit = day_limit
        self.exempt_apps = exempt_apps
        self._lock = threading.Lock()
        self._gate = ConcurrencyGate()
        self._minute: dict[str, SlidingWindow] = {}
        self._day: dict[str, SlidingWindow] = {}
        self._app: dict[str, SlidingWindow] = {}
        # per tenant, the most calls admitted within one rolling minute (of the policy's clock): what a
        # report calls "the busiest minute", exact where sampling counters from outside could only bound it
        self._peak: dict[str, int] = {}

    def reset(self) -> None:
        with self._lock:
            self._minute.clear()
            self._day.clear()
            self._app.clear()
            self._peak.clear()

    def peaks(self) -> dict[str, int]:
        """Per tenant id, the most calls admitted within one rolling minute (empty with limits off)."""
        with self._lock:
            return dict(sorted(self._peak.items()))

    def _windows(self, app: str, key: str) -> tuple[SlidingWindow, SlidingWindow, SlidingWindow]:
        minute = self._minute.get(key)
        if minute is None:
            minute = self._minute[key] = SlidingWindow(self.clock, self.policy.window(MINUTE_SECONDS))
            self._day[key] = SlidingWindow(self.clock, self.policy.window(DAY_SECONDS))
        app_window = self._app.get(app)
        if app_window is None:
            app_window = self._app[app] = SlidingWindow(self.clock, self.policy.window(MINUTE_SECONDS))
        return minute, self._day[key], app_window

    def day_limit_for(self, app: str) -> int:
        """The calls a day per organisation this app has: its tier's, or 5,000 when exempt."""
        return DAY_LIMIT if app in self.exempt_apps else self.day_limit

    def admit(self, app: str, tenant: str) -> Admission:
        day_limit = self.day_limit_for(app)
        if not self.policy.enabled:
            return Admission(True, _headers(day_limit, MINUTE_LIMIT, APP_MINUTE_LIMIT))
        key = f"{app}|{tenant}"
        with self._lock:
            minute, day, app_window = self._windows(app, key)
            day_count, minute_count, app_count = day.count(), minute.count(), app_window.count()
            headers = _headers(
                day_limit - day_count, MINUTE_LIMIT - minute_count, APP_MINUTE_LIMIT - app_count
            )
            if not self._gate.enter(key, CONCURRENT_LIMIT):
                return Admission(False, headers, "concurrent", 1)
            refused: tuple[str, SlidingWindow] | None = None
            if day_count >= day_limit:
                refused = ("day", day)
            elif minute_count >= MINUTE_LIMIT:
                refused = ("minute", minute)
            elif app_count >= APP_MINUTE_LIMIT:
                refused = ("appminute", app_window)
            if refused is not None:
                self._gate.leave(key)
                wait = max(1, math.ceil(refused[1].seconds_until_free()))
                return Admission(False, headers, refused[0], wait)
            day.add()
            minute.add()
            app_window.add()
            self._peak[tenant] = max(self._peak.get(tenant, 0), minute_count + 1)
            headers = _headers(
                day_limit - day_count - 1, MINUTE_LIMIT - minute_count - 1, APP_MINUTE_LIMIT - app_count - 1
            )
            return Admission(True, headers, key=key)

    def release(self, admission: Admission) -> None:
        if admission.key is not None:
            self._gate.leave(admission.key)


def _headers(day: int, minute: int, app: int) -> dict[str, str]:
    return {
        "X-DayLimit-Remaining": str(max(0, day)),
        "X-MinLimit-Remaining": str(max(0, minute)),
        "X-AppMinLimit-Remaining": str(max(0, app)),
    }
