"""Xero's app tiers (from 2 March 2026): how many organisations an app may connect, and its day limit.

Why the sandbox models them: a sync that fits 5,000 calls a day per organisation may not fit 1,000, and an
MSP syncing its own few organisations with its own app is on Starter (api-facts A1 "App tiers (2026)",
developer.xero.com/pricing). The tier decides two things here:
- the day limit per organisation (`X-DayLimit-Remaining`, the `day` 429): 1,000 on Starter, 5,000 on the
  others (a trade-press summary, UNCONFIRMED on developer.xero.com; planned for as stated);
- the connection cap of the standard app: Starter 5 organisations, Core 50, Plus 1,000, Advanced 10,000.

Choices (UNCONFIRMED; documented in BEHAVIOR.md's sandbox section):
- the default tier is Starter, today's tier of an MSP's own app, so every sandbox run plans within the
  tightest day limit unless a test asks for another tier;
- the custom-connection app is exempt (custom connections are priced per organisation, outside the
  tiers) and keeps 5,000 calls a day;
- Enterprise (no published cap) is not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

FULL_DAY_LIMIT = 5000


@dataclass(frozen=True)
class Tier:
    """One app tier: its name, the calls a day per organisation, and the organisations it may connect."""

    name: str
    day_limit: int
    max_connections: int

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "day_limit": self.day_limit, "max_connections": self.max_connections}


TIERS: dict[str, Tier] = {
    "starter": Tier("starter", 1000, 5),
    "core": Tier("core", FULL_DAY_LIMIT, 50),
    "plus": Tier("plus", FULL_DAY_LIMIT, 1000),
    "advanced": Tier("advanced", FULL_DAY_LIMIT, 10_000),
}
DEFAULT_TIER = "starter"


def tier_named(name: str | None) -> Tier:
    """The tier called `name` (any case; None is the default); ValueError names the known ones."""
    key = (name or DEFAULT_TIER).strip().lower()
    if key not in TIERS:
        raise ValueError(f"unknown Xero app tier {name!r}: use one of {', '.join(TIERS)}")
    return TIERS[key]


class ConnectionLimitReached(Exception):
    """Consent would connect more organisations than the app's tier allows.

    Xero does not send the user back to the app: its consent page redirects to its own
    `authorize.xero.com/connectionLimit` page ("Sorry! <app> has reached their Xero connection limit, please
    let them know so they can connect more Xero organisations.": PipedreamHQ/pipedream#12215 and #21951),
    so the client gets neither a code nor an `error=` on its redirect URI."""


CONNECTION_LIMIT_PATH = "/connectionLimit"
CONNECTION_LIMIT_PAGE = (
    "<!DOCTYPE html><html><head><title>Connection limit reached | Xero</title></head><body>"
    "<h1>Sorry! {app} has reached their Xero connection limit, please let them know so they can connect "
    "more Xero organisations.</h1></body></html>"
)
