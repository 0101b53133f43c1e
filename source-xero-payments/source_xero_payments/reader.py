"""source-xero-payments core: per tenant, Xero payments and sales-invoice statuses changed since a cursor.

Why these reads: Autotask's `paidDate` depends on the invoice's standing, which Xero computes from
payments, batch payments, credit-note allocations, prepayments and overpayments. A payment, a deleted
payment or an allocation all move the invoice's `UpdatedDateUTC`, so two incremental reads cover it:
- `GET /Payments` (Payment objects; batch payments appear as their per-invoice payments with
  `BatchPaymentID`), and
- `GET /Invoices?where=Type=="ACCREC"` (Status, Total, AmountDue, AmountPaid, AmountCredited,
  FullyPaidOnDate, Payments[], CreditNotes[] allocations, Prepayments[], Overpayments[]), filtered to the
  invoices that follow the tenant's numbering (`only_autotask_invoices`; under `autotask` numbering every
  sales invoice qualifies, as any could be ours).
Both are incremental on `UpdatedDateUTC` with `If-Modified-Since`, ordered `UpdatedDateUTC ASC`, paged
with `page` at Xero's largest page size (1000) until a short page. Xero's bound is inclusive at the second,
so the record at the bookmark is read again: the destination is idempotent, so that costs nothing.
State per stream and tenant: `{"<tenant_id>": {"UpdatedDateUTC": "<iso>"}}`, advanced after each page.

Clock: a read starts at Xero's time, the `Date` header of the first response of the session (the token
call the first page needs anyway, made up front; the local UTC time when there is no such header). No
bookmark passes that start: a record stamped later (Xero's clock was ahead, or it changed while the sync
ran) is emitted but kept out of the bookmark, so it is read again next sync; one stamped beyond Xero's own
clock is warned about by name. A saved bookmark after the start (an older version could write one) is not
trusted: that tenant is read again from `start_date`, with a warning.

Calls go through xero-client's `XeroClient` (OAuth2 with the persisted token store, the per-tenant
limiter, retries). That client has no way to pass request headers yet, so `HeaderSession` adds
`If-Modified-Since` to the Accounting calls made inside `HeaderSession.extra(...)` (thread-local); the gap
is reported for the client.

Records (records.py): Xero's PascalCase fields, dates as ISO 8601 strings (tap-xero's form), money as
Decimal, plus `TenantID`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import pendulum
import requests
from connector_kit.clock import ServerClock
from connector_kit.numbering import autotask_number
from xero_client.client import XeroClient
from xero_client.tokens import TokenStore

from .config import SourceConfig
from .records import RecordError, clean, iso, parse_moment
from .schemas import STREAMS, fields

LOGGER = logging.getLogger("source_xero_payments")
CURSOR = "UpdatedDateUTC"
MAX_PAGES = 100_000
# A stamp this far past Xero's clock is taken for a change made during the sync, a later one is warned.
FUTURE_MARGIN_MINUTES = 5
MAX_LATE_REPORTS = 20


class HeaderSession(requests.Session):
    """A session that adds per-thread extra headers to Xero Accounting calls (never to the token call)."""

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()
        self.clock = ServerClock()

    @contextlib.contextmanager
    def extra(self, headers: Mapping[str, str]) -> Iterator[None]:
        previous = getattr(self._local, "headers", None)
        self._local.headers = dict(headers)
        try:
            yield
        finally:
            self._local.headers = previous

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        extra = getattr(self._local, "headers", None)
        if extra and "/api.xro/" in str(url):
            kwargs["headers"] = {**(kwargs.get("headers") or {}), **extra}
        response = super().request(method, url, *args, **kwargs)
        self.clock.observe(response.headers)
        return response


class PaymentsReader:
    """The core both adapters drive: `read(stream, state)` yields records and checkpoints; `calls()` is
    the per-tenant call report the adapters log."""

    def __init__(
        self, config: SourceConfig, client: XeroClient | None = None, store: TokenStore | None = None
    ) -> None:
        self.config = config
        self.session = HeaderSession()
        self.client = client or XeroClient(config, session=self.session, store=store)
        if client is not None and isinstance(client.session, HeaderSession):
            self.session = client.session
        self.counts: dict[str, int] = dict.fromkeys(STREAMS, 0)
        self._late_reports = 0

    def start_time(self) -> pendulum.DateTime:
        """Xero's time at the session's first response. Asked before any call, it gets the access token
        now (the first page would get it anyway), so that the time is Xero's and not the local clock's."""
        clock = self.session.clock
        if clock.started is None and self.client.session is self.session:
            self.client.auth.access_token()
        if clock.started is None:  # no response came through this session: the local clock
            clock.observe({})
        started = clock.started
        assert started is not None
        return started

    def read(
        self, stream: str, state: Mapping[str, Any], tenant_ids: Collection[str] | None = None
    ) -> Iterator[tuple[dict[str, Any] | None, dict[str, Any]]]:
        """(record, state) pairs; a `None` record marks a checkpoint (the state after a whole page).

        `tenant_ids` limits the read to those tenants (the Airbyte adapter reads one slice per tenant)."""
        if stream not in STREAMS:
            raise ValueError(f"unknown stream {stream}")
        current: dict[str, Any] = {k: dict(v) for k, v in (state or {}).items() if isinstance(v, Mapping)}
        start = self.start_time()
        for tenant in self.config.tenants:
            if tenant_ids is not None and tenant.tenant_id not in tenant_ids:
                continue
            if self._trusted(stream, tenant.name, current.get(tenant.tenant_id), start) is None:
                current.pop(tenant.tenant_id, None)
            since = self._since(current.get(tenant.tenant_id))
            wanted = fields(stream)
            for page in self._pages(stream, tenant.tenant_id, since):
                newest = None
                for raw in page:
                    record = {k: v for k, v in clean(raw).items() if k in wanted}
                    moment = parse_moment(record.get(CURSOR), CURSOR)
                    if moment is not None and moment > start:
                        self._report_late(stream, tenant.name, record, moment, start)
                    elif moment is not None and (newest is None or moment > newest):
                        newest = moment
                    if stream == "invoices" and not self._ours(tenant.tenant_id, record):
                        continue
                    record["TenantID"] = tenant.tenant_id
                    self.counts[stream] += 1
                    yield record, current
                if newest is not None:
                    old = self._since(current.get(tenant.tenant_id))
                    if old is None or newest > old:
                        current[tenant.tenant_id] = {CURSOR: iso(newest)}
                yield None, current
        if self._late_reports > MAX_LATE_REPORTS:
            LOGGER.warning(
                "%s: %d records in all were stamped after the start of this sync and kept out of the "
                "bookmark (the first %d are named above)",
                stream,
                self._late_reports,
                MAX_LATE_REPORTS,
            )
        self._late_reports = 0

    def _trusted(
        self, stream: str, tenant: str, tenant_state: Mapping[str, Any] | None, start: pendulum.DateTime
    ) -> Mapping[str, Any] | None:
        """The tenant's saved bookmark, or None when it cannot be right: after Xero's clock, or no date."""
        value = (tenant_state or {}).get(CURSOR)
        if not value:
            return tenant_state
        try:
            saved = parse_moment(value, CURSOR)
        except RecordError:
            saved, why = None, f"{str(value)[:40]!r} is not a date"
        else:
            if saved is not None and saved <= start:
                return tenant_state
            why = f"{value} is later than Xero's clock at the start of this sync ({iso(start)})"
        LOGGER.warning(
            "%s, %s: the saved %s bookmark %s, so it cannot be trusted; reading again from %s",
            stream,
            tenant,
            CURSOR,
            why,
            f"start_date {self.config.start_date}" if self.config.start_date else "the beginning",
        )
        return None

    def _report_late(
        self,
        stream: str,
        tenant: str,
        record: Mapping[str, Any],
        moment: pendulum.DateTime,
        start: pendulum.DateTime,
    ) -> None:
        self._late_reports += 1
        if self._late_reports > MAX_LATE_REPORTS:
            return
        key = "PaymentID" if stream == "payments" else "InvoiceNumber"
        what = f"{stream[:-1]} {record.get(key) or record.get('InvoiceID')} ({tenant})"
        if moment > self.session.clock.latest().add(minutes=FUTURE_MARGIN_MINUTES):
            LOGGER.warning(
                "%s: %s %s is in the future; kept out of the bookmark, re-read every sync",
                what,
                CURSOR,
                iso(moment),
            )
        else:
            LOGGER.info(
                "%s: %s %s is after this sync started (%s); kept out of the bookmark, read again next sync",
                what,
                CURSOR,
                iso(moment),
                iso(start),
            )

    def _ours(self, tenant_id: str, record: Mapping[str, Any]) -> bool:
        if not self.config.only_autotask_invoices:
            return True
        tenant = self.config.tenant(tenant_id)
        assert tenant is not None
        return (
            autotask_number(tenant.numbering, record.get("InvoiceNumber"), record.get("Reference"))
            is not None
        )

    def _since(self, tenant_state: Mapping[str, Any] | None) -> pendulum.DateTime | None:
        value = (tenant_state or {}).get(CURSOR)
        if value:
            return parse_moment(value, CURSOR)
        return self.config.start()

    def _pages(
        self, stream: str, tenant_id: str, since: pendulum.DateTime | None
    ) -> Iterator[list[dict[str, Any]]]:
        path = "Payments" if stream == "payments" else "Invoices"
        size = self.config.page_size
        params: dict[str, Any] = {"order": "UpdatedDateUTC ASC", "pageSize": size}
        if stream == "invoices":
            params["where"] = 'Type=="ACCREC"'
        headers = (
            {"If-Modified-Since": since.in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss")} if since else {}
        )
        for page in range(1, MAX_PAGES + 1):
            with self.session.extra(headers):
                body = self.client.get(tenant_id, path, params={**params, "page": page})
            items = body.get(path) if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise ValueError(f"GET /{path} for tenant {tenant_id} returned no {path} list")
            yield items
            if len(items) < size:
                return

    def calls(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for tenant in self.config.tenants:
            state = self.client.limiter(tenant.tenant_id).state
            out[tenant.name] = {
                "calls": state.calls,
                "response_bytes": state.response_bytes,
                "throttled": state.throttled,
                "day_remaining": state.day_remaining,
                "minute_remaining": state.minute_remaining,
            }
        return out
