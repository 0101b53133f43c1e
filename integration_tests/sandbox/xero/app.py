"""Xero emulator: identity server, `/connections` and the Accounting API on one port.

Routing, authentication, the tenant header, limits, envelopes and HTTP error shapes live here and in
the `platform_*` / `identity` / `limits` / `where` / `http_errors` modules; every accounting rule lives
in `book.Book` (one per tenant). A request to the Accounting API goes through, in order: Bearer token
(401), `xero-tenant-id` (403), scope (401), limits (429), route (404/405), then the read or write under
the tenant Book's lock.

Choices where the sources are silent (UNCONFIRMED; documented in the modules that implement them):
- a token whose scopes do not cover the endpoint (e.g. a `.read` scope on a write) answers 401
  `AuthorizationUnsuccessful`, the same as a missing token (laravel-xero-oauth2#99 shows that answer to
  GET /Invoices without the invoices scope); scopes.py maps each endpoint family to its scopes;
- the xero-tenant-id header is required for custom connections too, and must be the tenant id exactly as
  `/connections` gives it (no case-folding);
- Xero operations the sandbox does not emulate (DELETE of accounts and tracking categories, GET
  /Organisation/Actions) answer 501, so 405 always means Xero itself has no such operation;
- a query string longer than 2,048 characters (as sent, percent-encoded) is a 404 before anything else,
  as the web server in front of Xero answers (it is why `IDs=` fails past about 52 GUIDs);
- answers are XML unless the request accepts JSON (Xero's documented default; see platform_xml);
- injected faults: 429 is a minute-limit refusal with `Retry-After: 1`; 500 is problem JSON; 503 is the
  plain-text "The Organisation is offline";
- a write storing a date before 1753-01-01 (SQL Server's datetime range) answers 500 and writes
  nothing (date_range.py).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import threading
import uuid
from typing import Any
from urllib.parse import unquote

import pendulum
from werkzeug.wrappers import Request, Response

from ..clock import SandboxClock
from ..credentials import XeroCredentials
from ..ratelimits import RateLimitPolicy
from ..server import CallContext
from . import http_errors
from .attachments import Attachments, is_attachment_path
from .attachments import element as attachments_element
from .date_range import unstorable_date
from .identity import AccessCheck, Identity, OAuthError
from .limits import Admission, XeroLimits
from .platform_idempotency import MAX_KEY_LENGTH, IdempotencyStore
from .platform_json import loads
from .platform_reads import BookView, ReadError, list_records, unitdp_of
from .platform_writes import BodyError, parse_body, read_body, render_results, summarize_flag
from .platform_xml import render as xml_render
from .platform_xml import wants_xml
from .scopes import ATTACHMENTS, NEW_APP_CREATED, is_legacy
from .scopes import allows as scope_allows
from .tiers import CONNECTION_LIMIT_PAGE, CONNECTION_LIMIT_PATH, ConnectionLimitReached, Tier, tier_named
from .where import COLLECTION_MODELS

API_PREFIX = "/api.xro/2.0"
MAX_QUERY_STRING = 2048
PROVIDER_NAME = "Autotask Xero Sync (sandbox)"
_TENANT_NAMESPACE = uuid.UUID("3b7d3f7e-7a43-4c1b-a6c4-9d1b0f5a2e61")

ENDPOINTS = (
    "Organisation",
    "Accounts",
    "TaxRates",
    "Currencies",
    "BrandingThemes",
    "TrackingCategories",
    "Contacts",
    "Items",
    "Invoices",
    "CreditNotes",
    "PurchaseOrders",
    "Payments",
)
# `GET /Organisations` (plural) answers as `/Organisation` does: tap-xero (`"organisations".title()`) and
# pyxero (`Xero.organisations`) call it against Xero and read the same `Organisations` key.
_ALIASES = {"organisations": "Organisation"}
_BY_LOWER = {**{name.lower(): name for name in ENDPOINTS}, **_ALIASES}
RESPONSE_KEY = {"Organisation": "Organisations"}
# Which methods each endpoint takes on the collection and on one record (facts from Xero's API).
COLLECTION_METHODS = {
    "Organisation": {"GET"},
    "Accounts": {"GET", "PUT"},
    "TaxRates": {"GET", "PUT", "POST"},
    "Currencies": {"GET", "PUT"},
    "BrandingThemes": {"GET"},
    "TrackingCategories": {"GET", "PUT"},
    "Contacts": {"GET", "PUT", "POST"},
    "Items": {"GET", "PUT", "POST"},
    "Invoices": {"GET", "PUT", "POST"},
    "CreditNotes": {"GET", "PUT", "POST"},
    "PurchaseOrders": {"GET", "PUT", "POST"},
    "Payments": {"GET", "PUT", "POST"},
}
RECORD_METHODS = {
    "Accounts": {"GET", "POST", "DELETE"},
    "TaxRates": {"GET"},
    "BrandingThemes": {"GET"},
    "TrackingCategories": {"GET", "POST", "DELETE"},
    "Contacts": {"GET", "POST"},
    "Items": {"GET", "POST", "DELETE"},
    "Invoices": {"GET", "POST"},
    "CreditNotes": {"GET", "POST"},
    "PurchaseOrders": {"GET", "POST"},
    "Payments": {"GET", "POST"},
}


def tenant_id_for(name: str, organisation: dict[str, Any]) -> str:
    given = organisation.get("OrganisationID")
    return str(given) if given else str(uuid.uuid5(_TENANT_NAMESPACE, name))


class XeroApp:
    name = "xero"

    def __init__(
        self,
        data: dict[str, dict[str, Any]],
        clock: SandboxClock,
        policy: RateLimitPolicy,
        credentials: XeroCredentials,
        token_ttl: int = 1800,
        app_created: dt.date = NEW_APP_CREATED,
        tier: Tier | None = None,
    ) -> None:
        self.data = data
        self.tier = tier or tier_named(None)
        self.clock = clock
        self.policy = policy
        self.credentials = credentials
        self.token_ttl = token_ttl
        self._tenants: list[tuple[str, str]] = [
            (tenant_id_for(name, dict(part.get("Organisation") or {})), name) for name, part in data.items()
        ]
        self._books_lock = threading.Lock()
        self._books: dict[str, Any] = {}
        self.identity = Identity(
            clock, credentials, self._tenants, token_ttl, app_created, self.tier.max_connections
        )
        self.limits = XeroLimits(
            clock, policy, self.tier.day_limit, exempt_apps=frozenset({credentials.custom_client_id})
        )
        self.idempotency = IdempotencyStore(clock)
        self.attachments = Attachments(self.idempotency, self._envelope, API_PREFIX)
        self._load_books()

    # --- contract with the CLI ---------------------------------------------------------------------------

    def initial_refresh_token(self) -> str:
        return self.identity.initial_refresh_token

    def tenants(self) -> list[dict[str, str]]:
        return [{"tenant_id": tenant_id, "name": name} for tenant_id, name in self._tenants]

    def app_info(self) -> dict[str, str]:
        """The app's creation date and which scope rule it falls under (see scopes.py)."""
        created = self.identity.app_created
        return {"created": created.isoformat(), "scopes": "legacy" if is_legacy(created) else "granular"}

    def tier_info(self) -> dict[str, object]:
        """The app tier the sandbox runs as: its day limit per organisation and its connection cap."""
        return self.tier.to_json()

    def custom_connection_info(self) -> dict[str, Any]:
        first = self._tenants[0][0] if self._tenants else None
        return {
            "client_id": self.credentials.custom_client_id,
            "client_secret": self.credentials.custom_client_secret,
            "tenant_id": first,
        }

    def stats_extra(self) -> dict[str, Any]:
        """Added to `/__sandbox/stats`: per tenant the busiest rolling minute, on the limits' own clock."""
        return {"peak_minute": self.limits.peaks()}

    def reset(self) -> None:
        self._load_books()
        self.identity.reset()
        self.limits.reset()
        self.idempotency.reset()
        self.attachments.faults.reset()

    def admin(self, action: str, request: Request) -> Response | None:
        """Tests change Xero's books through its own API; the one Xero-specific call makes chosen
        attachment uploads fail (attachments.py, `attachment_faults`)."""
        if action == "attachment_faults" and request.method == "POST":
            return http_errors.json_body(self.attachments.faults.configure(request.get_json(force=True)), 200)
        return None

    def _load_books(self) -> None:
        from .book import Book

        books = {
            tenant_id: Book(tenant_id, name, self.data[name], self.clock) for tenant_id, name in self._tenants
        }
        with self._books_lock:
            self._books = books

    def _book(self, tenant_id: str) -> Any:
        with self._books_lock:
            return self._books.get(tenant_id)

    # --- dispatch ------------------------------------------------------------------------------------------

    def handle(self, request: Request, ctx: CallContext) -> Response:
        path = request.path
        ctx.template = template_of(path)
        if path.startswith(API_PREFIX + "/") or path == API_PREFIX:
            return self._accounting(request, ctx)
        if path == "/connect/token":
            return self._token(request, ctx)
        if path == "/connect/authorize":
            return self._authorize(request, ctx)
        if path == CONNECTION_LIMIT_PATH and request.method == "GET":
            page = CONNECTION_LIMIT_PAGE.format(app=PROVIDER_NAME)
            return Response(page, status=200, content_type="text/html; charset=utf-8")
        if path == "/connect/revocation":
            return self._revocation(request, ctx)
        if path.rstrip("/").lower() == "/connections" or path.lower().startswith("/connections/"):
            return self._connections(request, ctx)
        return http_errors.not_found()

    def fault_response(self, kind: str, request: Request, ctx: CallContext) -> Response:
        ctx.template = template_of(request.path)
        tenant = request.headers.get("xero-tenant-id", "").strip()
        ctx.tenant = tenant if self._book(tenant) is not None else None
        if kind == "429":
            ctx.throttled = True
            headers = {
                "X-DayLimit-Remaining": "0",
                "X-MinLimit-Remaining": "0",
                "X-AppMinLimit-Remaining": "0",
            }
            return http_errors.rate_limited("minute", 1, headers)
        if kind == "503":
            return http_errors.organisation_offline()
        return http_errors.internal_error()

    # --- identity ------------------------------------------------------------------------------------

    def _client_auth(self, request: Request) -> tuple[str, str | None]:
        header = request.headers.get("Authorization", "")
        if header[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client") from None
            client_id, sep, secret = decoded.partition(":")
            if not sep:
                raise OAuthError("invalid_client")
            return unquote(client_id), unquote(secret)
        client_id = request.form.get("client_id", "")
        if not client_id:
            raise OAuthError("invalid_client")
        return client_id, request.form.get("client_secret")

    def _token(self, request: Request, ctx: CallContext) -> Response:
        if request.method != "POST":
            return http_errors.method_not_allowed(request.method)
        form = request.form
        grant = form.get("grant_type", "")
        ctx.log_body = {k: form[k] for k in ("grant_type", "scope", "redirect_uri") if k in form}
        try:
            client_id, secret = self._client_auth(request)
            if grant == "authorization_code":
                if not form.get("code"):
                    raise OAuthError("invalid_request")
                tokens = self.identity.exchange_code(
                    client_id, secret, form["code"], form.get("redirect_uri", ""), form.get("code_verifier")
                )
            elif grant == "refresh_token":
                if not form.get("refresh_token"):
                    raise OAuthError("invalid_request")
                tokens = self.identity.refresh(client_id, secret, form["refresh_token"], form.get("scope"))
            elif grant == "client_credentials":
                tokens = self.identity.client_credentials(client_id, secret, form.get("scope"))
            else:
                raise OAuthError("unsupported_grant_type")
        except OAuthError as exc:
            return http_errors.oauth_error(exc.code, exc.description, exc.status)
        return http_errors.json_body(
            tokens.to_json(), 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}
        )

    def _authorize(self, request: Request, ctx: CallContext) -> Response:
        args = request.args
        ctx.log_body = {
            k: args[k] for k in ("response_type", "client_id", "redirect_uri", "scope") if k in args
        }
        try:
            location = self.identity.authorize(
                response_type=args.get("response_type", ""),
                client_id=args.get("client_id", ""),
                redirect_uri=args.get("redirect_uri", ""),
                scope=args.get("scope", ""),
                state=args.get("state"),
                code_challenge=args.get("code_challenge"),
                code_challenge_method=args.get("code_challenge_method"),
                nonce=args.get("nonce"),
            )
        except OAuthError as exc:
            return http_errors.oauth_error(exc.code, exc.description, exc.status)
        except ConnectionLimitReached:
            location = request.host_url.rstrip("/") + CONNECTION_LIMIT_PATH
        return Response("", status=302, headers={"Location": location})

    def _revocation(self, request: Request, ctx: CallContext) -> Response:
        if request.method != "POST":
            return http_errors.method_not_allowed(request.method)
        ctx.log_body = {k: request.form[k] for k in ("token_type_hint",) if k in request.form}
        try:
            client_id, secret = self._client_auth(request)
            token = request.form.get("token", "")
            if not token:
                raise OAuthError("invalid_request")
            self.identity.revoke(client_id, secret, token)
        except OAuthError as exc:
            return http_errors.oauth_error(exc.code, exc.description, exc.status)
        return Response("", status=200)

    def _bearer(self, request: Request) -> tuple[AccessCheck, Response | None]:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else None
        check = self.identity.check_access(token)
        if check.ok:
            return check, None
        if check.reason == "expired":
            stamp = pendulum.from_timestamp(check.expired_at, tz="UTC").format("MM/DD/YYYY HH:mm:ss")
            return check, http_errors.token_expired(stamp)
        return check, http_errors.unauthorized()

    def _connections(self, request: Request, ctx: CallContext) -> Response:
        check, refusal = self._bearer(request)
        if refusal is not None:
            return refusal
        parts = [p for p in request.path.split("/") if p]
        if len(parts) == 1 and request.method == "GET":
            found = self.identity.connections(check.client_id, request.args.get("authEventId"))
            body = [
                {
                    "id": c.id,
                    "authEventId": c.auth_event_id,
                    "tenantId": c.tenant_id,
                    "tenantType": "ORGANISATION",
                    "tenantName": c.tenant_name,
                    "createdDateUtc": _iso(c.created),
                    "updatedDateUtc": _iso(c.updated),
                }
                for c in found
            ]
            return http_errors.json_body(body, 200)
        if len(parts) == 2 and request.method == "DELETE":
            if self.identity.delete_connection(check.client_id, parts[1]):
                return Response("", status=204)
            return http_errors.not_found()
        if len(parts) <= 2:
            return http_errors.method_not_allowed(request.method)
        return http_errors.not_found()

    # --- accounting ---------------------------------------------------------------------------------------

    def _accounting(self, request: Request, ctx: CallContext) -> Response:
        if len(request.environ.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
            return http_errors.not_found()  # refused by the web server in front of the API, like IIS's 404.15
        check, refusal = self._bearer(request)
        if refusal is not None:
            return refusal
        tenant_id = request.headers.get("xero-tenant-id", "").strip()
        book = self._book(tenant_id) if tenant_id else None
        if book is None:
            return http_errors.forbidden()
        ctx.tenant = book.tenant_id
        if not self.identity.is_connected(check, book.tenant_id):
            return http_errors.forbidden()
        parts = [p for p in request.path[len(API_PREFIX) :].split("/") if p]
        endpoint = _BY_LOWER.get(parts[0].lower()) if parts else None
        resource = ATTACHMENTS if is_attachment_path(parts) else None
        if endpoint is not None and not scope_allows(check.scope, endpoint, request.method, resource):
            return http_errors.unauthorized("AuthorizationUnsuccessful")
        admission = self.limits.admit(check.client_id, book.tenant_id)
        if not admission.admitted:
            ctx.throttled = True
            return http_errors.rate_limited(
                admission.problem or "minute", admission.retry_after, admission.headers
            )
        try:
            response = self._route(request, ctx, check, book, endpoint, parts)
        except BodyError as exc:
            response = exc.response
        finally:
            self.limits.release(admission)
        if wants_xml(request.headers.get("Accept")):
            response = _as_xml(response, endpoint, parts)
        _add_headers(response, admission)
        return response

    def _route(
        self,
        request: Request,
        ctx: CallContext,
        check: AccessCheck,
        book: Any,
        endpoint: str | None,
        parts: list[str],
    ) -> Response:
        method = request.method.upper()
        if endpoint is None:
            return http_errors.not_found()
        if len(parts) == 1:
            if method not in COLLECTION_METHODS[endpoint]:
                if method in ("PUT", "POST") and endpoint in ("Organisation", "BrandingThemes"):
                    return http_errors.not_implemented(method, endpoint)
                return http_errors.method_not_allowed(method)
            if method == "GET":
                return self._list(request, book, endpoint)
            return self._write(request, ctx, check, book, endpoint, None)
        if len(parts) == 2:
            if endpoint == "Organisation" and parts[1].lower() == "actions":
                if method == "GET":
                    return http_errors.not_implemented(method, "Organisation/Actions")
                return http_errors.method_not_allowed(method)
            if method == "DELETE" and endpoint in ("Accounts", "TrackingCategories"):
                return http_errors.not_implemented(method, endpoint)
            if method not in RECORD_METHODS.get(endpoint, set()):
                return (
                    http_errors.method_not_allowed(method)
                    if endpoint in RECORD_METHODS
                    else http_errors.not_found()
                )
            record = book.find(endpoint, parts[1])
            if record is None:
                return http_errors.not_found()
            if method == "GET":
                return self._one(request, book, endpoint, record)
            if method == "DELETE":
                if not book.delete_item(str(record["ItemID"])):
                    return http_errors.not_found()
                return Response("", status=204)
            return self._write(request, ctx, check, book, endpoint, _record_id(endpoint, record))
        if endpoint in ("Invoices", "CreditNotes") and is_attachment_path(parts):
            return self.attachments.handle(request, ctx, check.client_id, book, endpoint, parts)
        if endpoint == "CreditNotes" and len(parts) in (3, 4) and parts[2].lower() == "allocations":
            return self._allocations(request, ctx, check, book, parts)
        return http_errors.not_found()

    def _envelope(
        self, key: str, items: list[Any], pagination: dict[str, int] | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "Id": str(uuid.uuid4()),
            "Status": "OK",
            "ProviderName": PROVIDER_NAME,
            "DateTimeUTC": f"/Date({int(self.clock.time() * 1000)})/",
        }
        if pagination is not None:
            body["pagination"] = pagination
        body[key] = items
        return body

    def _list(self, request: Request, book: Any, endpoint: str) -> Response:
        try:
            with book.lock:
                page = list_records(BookView(book), endpoint, request.args, request.headers)
                items = [
                    book.to_wire(endpoint, r, detail=page.detail, unitdp=page.unitdp) for r in page.records
                ]
        except ReadError as exc:
            if exc.kind == "query":
                return http_errors.query_parse_error(exc.message)
            return http_errors.bad_request(exc.message)
        return http_errors.json_body(
            self._envelope(RESPONSE_KEY.get(endpoint, endpoint), items, page.pagination), 200
        )

    def _one(self, request: Request, book: Any, endpoint: str, record: dict[str, Any]) -> Response:
        unitdp = unitdp_of(request.args)
        item = book.to_wire(endpoint, record, detail=True, unitdp=unitdp)
        if endpoint in ("Invoices", "CreditNotes") and item.get("HasAttachments"):
            base_url = request.host_url.rstrip("/") + API_PREFIX
            item["Attachments"] = attachments_element(record, base_url, endpoint)
        return http_errors.json_body(self._envelope(RESPONSE_KEY.get(endpoint, endpoint), [item]), 200)

    # --- writes -------------------------------------------------------------------------------------------

    def _idempotent(self, request: Request, check: AccessCheck, book: Any, run: Any) -> Response:
        """Runs `run(raw_body)` under the Book lock, replaying a stored answer for a repeated key."""
        key = request.headers.get("Idempotency-Key")
        if key is not None and len(key) > MAX_KEY_LENGTH:
            return http_errors.bad_request(
                f"The Idempotency-Key header must be at most {MAX_KEY_LENGTH} characters"
            )
        raw = read_body(request)
        with book.lock:
            if not key:
                response: Response = run(raw)
                return response
            scope = (check.client_id, book.tenant_id, request.method.upper(), request.path.lower(), key)
            fingerprint = self.idempotency.fingerprint(raw)
            stored = self.idempotency.lookup(scope)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    return http_errors.bad_request(
                        "This Idempotency-Key was already used for a request with a different body"
                    )
                return Response(stored.body, status=stored.status, content_type=stored.content_type)
            response = run(raw)
            if response.status_code in (200, 400):
                body = response.get_data()
                self.idempotency.store(
                    scope, response.status_code, body, response.content_type or "", fingerprint
                )
            return response

    def _write(
        self,
        request: Request,
        ctx: CallContext,
        check: AccessCheck,
        book: Any,
        endpoint: str,
        path_id: str | None,
    ) -> Response:
        from .book import NoDataProcessed, PostDataInvalid

        unitdp = unitdp_of(request.args)
        summarize = summarize_flag(request.args, endpoint)

        def run(raw: bytes) -> Response:
            body = parse_body(raw, endpoint, request.content_type)
            ctx.log_body = body
            try:
                elements = book.check_body(endpoint, body)
                if unstorable_date(COLLECTION_MODELS.get(endpoint, ""), elements) is not None:
                    return http_errors.internal_error()
                results = book.write(
                    endpoint,
                    elements,
                    method=request.method.upper(),
                    unitdp=unitdp,
                    path_id=path_id,
                    all_or_nothing=summarize,
                )
            except PostDataInvalid as exc:
                return http_errors.post_data_invalid(exc.message)
            except NoDataProcessed as exc:
                return http_errors.no_data_processed(exc.message)
            return self._write_answer(book, endpoint, endpoint, results, summarize, unitdp)

        return self._idempotent(request, check, book, run)

    def _write_answer(
        self, book: Any, collection: str, key: str, results: list[Any], summarize: bool, unitdp: int
    ) -> Response:
        def render(record: dict[str, Any]) -> dict[str, Any]:
            return _render(book, collection, record, unitdp)

        status, elements = render_results(collection, results, summarize=summarize, render_record=render)
        if status == 400:
            return http_errors.validation_exception(elements)
        return http_errors.json_body(self._envelope(key, elements), 200)

    def _allocations(
        self, request: Request, ctx: CallContext, check: AccessCheck, book: Any, parts: list[str]
    ) -> Response:
        from .book import NoDataProcessed, PostDataInvalid

        method = request.method.upper()
        with book.lock:
            credit_note = book.find("CreditNotes", parts[1])
            if credit_note is None:
                return http_errors.not_found()
            credit_note_id = str(credit_note["CreditNoteID"])
            if len(parts) == 4:
                if method != "DELETE":
                    return http_errors.method_not_allowed(method)
                result = book.delete_allocation(credit_note_id, parts[3])
                if result.errors:
                    _, elements = render_results("Allocations", [result], summarize=True, render_record=dict)
                    return http_errors.validation_exception(elements)
                return http_errors.json_body(_render(book, "Allocations", result.record or {}, 2), 200)
        if method != "PUT":
            return http_errors.method_not_allowed(method)
        summarize = summarize_flag(request.args, "Allocations")

        def run(raw: bytes) -> Response:
            body = parse_body(raw, "Allocations", request.content_type)
            ctx.log_body = body
            try:
                elements = book.check_body("Allocations", body)
                if unstorable_date("Allocation", elements) is not None:
                    return http_errors.internal_error()
                results = book.allocate(credit_note_id, elements, all_or_nothing=summarize)
            except PostDataInvalid as exc:
                return http_errors.post_data_invalid(exc.message)
            except NoDataProcessed as exc:
                return http_errors.no_data_processed(exc.message)
            return self._write_answer(book, "Allocations", "Allocations", results, summarize, 2)

        return self._idempotent(request, check, book, run)


def _as_xml(response: Response, endpoint: str | None, parts: list[str]) -> Response:
    """Xero's default format: the API's own JSON answers (envelopes, ApiExceptions) re-rendered as XML."""
    if response.mimetype != "application/json" or response.status_code not in (200, 400):
        return response
    body = loads(response.get_data())
    is_attachment = is_attachment_path(parts)
    is_allocation = endpoint == "CreditNotes" and len(parts) >= 3 and not is_attachment
    model = "Allocation" if is_allocation else COLLECTION_MODELS.get(endpoint or "", None)
    if is_attachment:
        model = "Attachment"
    if not isinstance(body, dict) or not (
        "ErrorNumber" in body or body.get("Status") == "OK" or is_allocation
    ):
        return response
    return Response(
        xml_render(body, model),
        status=response.status_code,
        headers=dict(response.headers),
        content_type="text/xml; charset=utf-8",
    )


def _render(book: Any, collection: str, record: dict[str, Any], unitdp: int) -> dict[str, Any]:
    if collection == "Allocations":
        from . import wire

        rendered: dict[str, Any] = wire.to_json("Allocation", record, unitdp=unitdp)
        return rendered
    wired: dict[str, Any] = book.to_wire(collection, record, detail=True, unitdp=unitdp)
    return wired


def _record_id(endpoint: str, record: dict[str, Any]) -> str:
    from .book import ID_FIELD

    return str(record.get(ID_FIELD.get(endpoint, ""), ""))


def _add_headers(response: Response, admission: Admission) -> None:
    for name, value in admission.headers.items():
        response.headers[name] = value


def _iso(seconds: float) -> str:
    text: str = pendulum.from_timestamp(seconds, tz="UTC").format("YYYY-MM-DDTHH:mm:ss.SSSSSS")
    return text


def template_of(path: str) -> str:
    """The path as a template for stats: canonical endpoint names, ids as `{id}`."""
    if path.startswith(API_PREFIX + "/"):
        parts = [p for p in path[len(API_PREFIX) :].split("/") if p]
        if not parts:
            return API_PREFIX
        endpoint = _BY_LOWER.get(parts[0].lower())
        if endpoint is None:
            return path
        out = [endpoint]
        for index, part in enumerate(parts[1:], start=1):
            out.append(part if index % 2 == 0 and part.isalpha() else "{id}")
        if len(out) >= 3 and out[2].lower() == "allocations":
            out[2] = "Allocations"
        return API_PREFIX + "/" + "/".join(out)
    if path.lower().startswith("/connections/"):
        return "/connections/{id}"
    if path.rstrip("/").lower() == "/connections":
        return "/connections"
    return path
