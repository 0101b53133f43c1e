"""HTTP client for the Autotask PSA REST API: zone discovery, auth headers, querying, paging, retries, pacing.

Choices where the sources are silent or unconfirmed (safer for the user):
- Which failures are retried, and which are the user's to fix, is `responses.py`'s call; a 429's
  `Retry-After` is waited out on top of the backoff.
- A query whose GET URL would pass 2,000 characters is sent as POST; every page of a query is fetched with
  the first request's method and body, as the API requires.
- A 401 invalidates the cached zone once (the database may have moved zones, `zones.py`) before giving up.
- Every response's `Date` header feeds `clock`: the first one is the session's start time, the bound no
  cursor may pass (see `clock.py`).
- An invoice's PDF is read at `GET /v1.0/Invoices/{id}/InvoicePDF`, not at the swagger's malformed
  `/V1.0/InvoicePDF`: the path KelvinTegelaar/AutotaskAPI (`Public/Get-AutotaskAPIResource.ps1`) and
  msoukhomlinov/n8n-nodes-autotask (`nodes/Autotask/resources/invoices/execute.ts`) call; the answer is
  read and checked by `invoice_pdf.py`.
Secrets (the API secret and the integration code) are redacted from every error and log message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import backoff
import pendulum
import requests
from connector_kit.clock import ServerClock
from connector_kit.redaction import redact

from .errors import AuthenticationError, AutotaskApiError
from .invoice_pdf import InvoicePdf, read_invoice_pdf
from .pacing import EndpointSlots, ThresholdPacer
from .query import Query, dumps
from .responses import RetryableError, interpret, parse_json
from .settings import Connection
from .zones import cached_zone, forget_zone, is_url, remember_zone, with_slash, zone_key

LOGGER = logging.getLogger("autotask_client")
MAX_GET_URL = 2000
MAX_PAGES = 100_000


class AutotaskClient:
    def __init__(
        self,
        config: Connection,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        pacer_wait_seconds: float = 60.0,
    ) -> None:
        self.config = config
        self.session = session or requests.Session()
        self.calls: Counter[str] = Counter()
        self.clock = ServerClock()
        self._calls_lock = threading.Lock()
        self._slots = EndpointSlots()
        self._base_url = with_slash(config.api_url) if config.api_url else None
        self._zone_lock = threading.Lock()
        self.pacer = ThresholdPacer(
            config.threshold_share, self.threshold_information, sleep=sleep, wait_seconds=pacer_wait_seconds
        )
        self._send_with_retries = backoff.on_exception(
            backoff.expo,
            RetryableError,
            max_tries=config.max_retries + 1,
            factor=config.backoff_base_seconds,
            max_value=60,
            jitter=backoff.full_jitter,
            on_backoff=self._on_backoff,
            logger=None,
        )(self._send_once)
        # An unknown user makes the zone lookup answer 500: retry it briefly, so bad credentials fail fast.
        self._send_briefly = backoff.on_exception(
            backoff.expo,
            RetryableError,
            max_tries=min(3, config.max_retries + 1),
            factor=config.backoff_base_seconds,
            max_value=10,
            jitter=backoff.full_jitter,
            on_backoff=self._on_backoff,
            logger=None,
        )(self._send_once)

    # -- public API -----------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The zone's REST root (`https://webservicesN.autotask.net/atservicesrest/`), looked up once."""
        if self._base_url:
            return self._base_url
        with self._zone_lock:
            if not self._base_url:
                self._base_url = self._lookup_zone()
        return self._base_url

    def start_time(self) -> pendulum.DateTime:
        """Autotask's time at this client's first response (its `Date` header, else the local UTC time).

        Asked before any call, it takes the pacer's first threshold reading, which the first query would
        make anyway: the start then comes from the server without costing a call."""
        if self.clock.started is None:
            self.pacer.prime()
        if self.clock.started is None:  # a pacer that made no call (only in tests)
            self.clock.observe({})
        started = self.clock.started
        assert started is not None
        return started

    def entity_url(self, entity: str) -> str:
        return f"{self.base_url}v1.0/{entity}"

    def query(self, query: Query) -> Iterator[dict[str, Any]]:
        for page in self.query_pages(query):
            yield from page

    def query_pages(self, query: Query) -> Iterator[list[dict[str, Any]]]:
        """Every page of a query, following `nextPageUrl` with the first request's method and body."""
        url = f"{self.entity_url(query.entity)}/query"
        search = query.search()
        get_url = requests.Request("GET", url, params={"search": search}).prepare().url or ""
        method, body = ("GET", None) if len(get_url) <= MAX_GET_URL else ("POST", search)
        next_url: str | None = get_url if method == "GET" else url
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            assert next_url is not None
            payload = self._call(method, next_url, query.entity, body=body, what=query.describe())
            if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
                raise AutotaskApiError(
                    f"Autotask {query.entity} query returned no 'items' list (query: {query.describe()})",
                    entity=query.entity,
                )
            yield payload["items"]
            details = payload.get("pageDetails") or {}
            next_url = details.get("nextPageUrl")
            if not next_url:
                return
            if next_url in seen:
                raise AutotaskApiError(
                    f"Autotask {query.entity} paging loops on {next_url}", entity=query.entity
                )
            seen.add(next_url)
        raise AutotaskApiError(f"Autotask {query.entity} query passed {MAX_PAGES} pages", entity=query.entity)

    def entity_information(self, entity: str) -> dict[str, Any]:
        payload = self._call(
            "GET", f"{self.entity_url(entity)}/entityInformation", entity, what="entityInformation"
        )
        return dict(payload.get("info") or {}) if isinstance(payload, dict) else {}

    def fields(self, entity: str) -> list[dict[str, Any]]:
        payload = self._call(
            "GET",
            f"{self.entity_url(entity)}/entityInformation/fields",
            entity,
            what="entityInformation/fields",
        )
        return list(payload.get("fields") or []) if isinstance(payload, dict) else []

    def picklist(self, entity: str, field: str) -> dict[int, str]:
        """Labels of a picklist field, read from the database (picklist numbers differ between databases)."""
        return self.picklists(entity).get(field.lower(), {})

    def picklists(self, entity: str) -> dict[str, dict[int, str]]:
        """Every picklist of an entity from one `entityInformation/fields` call: lower-cased field name ->
        value -> label (a caller needing two picklists of one entity pays one call, not two)."""
        out: dict[str, dict[int, str]] = {}
        for item in self.fields(entity):
            values = item.get("picklistValues")
            if not item.get("isPickList") and not values:
                continue
            out[str(item.get("name", "")).lower()] = {
                int(value["value"]): str(value.get("label"))
                for value in values or []
                if str(value.get("value", "")).lstrip("-").isdigit()
            }
        return out

    def invoice_pdf(self, invoice_id: int) -> InvoicePdf:
        """The PDF Autotask renders for an invoice (`GET /v1.0/Invoices/{id}/InvoicePDF`), checked.

        The live path is not the swagger's (see `invoice_pdf.py` for the public clients that call it).
        The call is paced, retried and held to the thread limit like any read of the Invoices endpoint,
        and counted as `InvoicePDF` in `calls`. Raises `InvoicePdfError` when Autotask answers without a
        usable PDF, and the usual `AutotaskApiError` family when it refuses the call."""
        url = f"{self.entity_url('Invoices')}/{int(invoice_id)}/InvoicePDF"
        payload = self._call(
            "GET", url, "Invoices", what=f"InvoicePDF of invoice id {invoice_id}", counted_as="InvoicePDF"
        )
        return read_invoice_pdf(payload, int(invoice_id))

    def threshold_information(self) -> dict[str, Any]:
        payload = self._call(
            "GET",
            self.entity_url("ThresholdInformation"),
            "ThresholdInformation",
            what="threshold",
            paced=False,
        )
        return dict(payload) if isinstance(payload, dict) else {}

    def usage_summary(self) -> str:
        calls = ", ".join(f"{entity}={count}" for entity, count in sorted(self.calls.items()))
        reading = self.pacer.reading
        seen = (
            f"threshold share seen {self.pacer.max_share_seen:.1%} (last {reading.used}/{reading.limit})"
            if reading
            else "threshold not read"
        )
        return f"Autotask calls used: {sum(self.calls.values())} ({calls}); {seen}"

    def scrub(self, text: str) -> str:
        """`text` with the secret and the integration code masked (for any message that leaves)."""
        return redact(text, self.config.secrets())

    # -- internals ------------------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {
            "ApiIntegrationCode": self.config.integration_code,
            "UserName": self.config.username,
            "Secret": self.config.secret,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def _lookup_zone(self) -> str:
        key = zone_key(self.config.zone_lookup_url, self.config.username)
        cached = cached_zone(key)
        if cached:
            return cached
        payload = self._call(
            "GET",
            self.config.zone_lookup_url,
            "zoneInformation",
            params={"user": self.config.username},
            what="zone lookup",
            paced=False,
            brief=True,
        )
        url = payload.get("url") if isinstance(payload, dict) else None
        if not isinstance(url, str) or not is_url(url):
            raise AuthenticationError(
                f"Autotask zone lookup for user {self.config.username} returned no zone URL; "
                "check the username",
                entity="zoneInformation",
            )
        url = with_slash(url)
        remember_zone(key, url)
        return url

    def _forget_zone(self) -> None:
        if self.config.api_url:
            return
        forget_zone(zone_key(self.config.zone_lookup_url, self.config.username))
        with self._zone_lock:
            self._base_url = None

    def _call(
        self,
        method: str,
        url: str,
        entity: str,
        *,
        params: dict[str, str] | None = None,
        body: str | None = None,
        what: str = "",
        paced: bool = True,
        brief: bool = False,
        counted_as: str | None = None,
    ) -> Any:
        sender = self._send_briefly if brief else self._send_with_retries
        try:
            return sender(method, url, entity, params, body, what, paced, counted_as or entity)
        except RetryableError as exc:
            raise exc.error from None

    def _on_backoff(self, details: Any) -> None:
        exc = details.get("exception")
        wait = float(details.get("wait") or 0)
        if isinstance(exc, RetryableError):
            LOGGER.warning(
                "Retrying after %s (attempt %s, waiting %.2f s)", exc.error, details.get("tries"), wait
            )
            if exc.retry_after and exc.retry_after > wait:
                time.sleep(exc.retry_after - wait)

    def _send_once(
        self,
        method: str,
        url: str,
        entity: str,
        params: dict[str, str] | None,
        body: str | None,
        what: str,
        paced: bool,
        counted_as: str,
    ) -> Any:
        if paced:
            self.pacer.before_call()
        with self._calls_lock:
            self.calls[counted_as] += 1
        try:
            with self._slots.hold(entity):
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=body,
                    headers=self._headers(),
                    timeout=self.config.request_timeout,
                )
        except (requests.ConnectionError, requests.Timeout) as exc:
            error = AutotaskApiError(
                self.scrub(f"Autotask {entity} {what}: network error {type(exc).__name__}"),
                entity=entity,
                transient=True,
            )
            raise RetryableError(error) from None
        self.clock.observe(response.headers)
        return interpret(response, entity, what, redact=self.scrub, on_unauthorized=self._forget_zone)


__all__ = ["AutotaskClient", "dumps", "parse_json"]
