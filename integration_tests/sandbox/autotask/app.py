"""Autotask PSA REST emulator: routing, header auth, limits, and the query/read/update endpoints.

Routes (path segments matched case-insensitively, entity names too):
  GET  /atservicesrest/versioninformation
  GET  /atservicesrest/v1.0/zoneInformation?user=<email>           (no auth, no limits)
  GET  /atservicesrest/v1.0/ThresholdInformation
  GET|POST /atservicesrest/v1.0/{Entity}/query[/count|/next]
  GET  /atservicesrest/v1.0/{Entity}/{id}
  GET  /atservicesrest/v1.0/{Entity}/entityInformation[/fields|/userDefinedFields]
  GET  /atservicesrest/v1.0/{Parent}/{parentId}/{Child}[/{id}]    (PurchaseOrders/Items, Companies/Contacts,
                                                                   PurchaseOrderItems/Receiving)
  GET  /atservicesrest/v1.0/Invoices/{id}/InvoicePDF               (the invoice as a PDF: invoice_pdf.py)
  PATCH|PUT /atservicesrest/v1.0/{Entity}                          (id in the body)

Auth, as the live API reports it (apigrate/autotask-restapi#19): an unknown (or missing) `UserName` is
HTTP 500, a known user with a wrong (or missing) `Secret` is HTTP 401, and a wrong (or missing)
`ApiIntegrationCode` is HTTP 500, all as `{"errors": [...]}`. Credentials are never logged.

Choices where the sources are unconfirmed:
- `GET /{Entity}/{id}` for a missing id answers 200 `{"item": null}` (what django-autotask expects), so a
  client must check for null rather than rely on a 404.
- Results come back in ascending id order; `nextPageUrl` carries an opaque token bound to the method and
  the query, so it must be called with the original method and the same search/body (GET on a POST
  query's next page, or the reverse, is the web layer's 405; a different query is a 500).
- `IncludeFields` without `id` is refused (500) when the result needs more than one page: the API's docs
  require `id` among the included fields past 500 results.
- A query string longer than 2,048 characters is refused with 404 before it reaches the API, as IIS
  request filtering does by default (`maxQueryString`), so a client must switch a long GET query to POST.
- `POST /{Entity}` (create) is 405 where the swagger has no create operation; where it has one, the
  sandbox answers 500 (it does not emulate creating records, and no connector should). DELETE is 405 on
  every emulated entity (the swagger has no DELETE for any of them).

Test control (not part of the emulated API): `POST /__sandbox/rows` edits or inserts rows as a person in
the Autotask UI would; the contract is in admin_rows.py. `POST /__sandbox/invoice_pdf_faults`
`{"ids": [<invoice id>, ...], "status": 500, "message": "..."}` makes those invoices' InvoicePDF calls
fail with that status and `{"errors": [message]}` (status and message optional; `{"ids": []}` clears
them; a reset clears them too), as a broken invoice template does in a real database.
"""

from __future__ import annotations

import base64
import binascii
import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from ..clock import SandboxClock
from ..credentials import AutotaskCredentials
from ..ratelimits import RateLimitPolicy
from ..server import CallContext, json_response
from . import admin_rows, metadata
from .catalog import CHILDREN, ENTITIES, EntityDef, entity
from .errors import AutotaskError, RouteError, method_not_allowed, not_found
from .invoice_pdf import invoice_pdf_model
from .limits import HOURLY_THRESHOLD, THRESHOLD_TIMEFRAME_MINUTES, AutotaskLimits, ThrottleError
from .query import Query, parse_query
from .store import Database, Record, Table
from .writes import apply_update

ROOT = "/atservicesrest"
V1 = "/atservicesrest/v1.0"
ZONE_NAME = "Sandbox Zone (127.0.0.1)"
ZONE_CI = 424242
MAX_QUERY_STRING = 2048


def _text_response(text: str, status: int = 200) -> Response:
    return Response(text, status=status, content_type="application/json; charset=utf-8")


class AutotaskApp:
    name = "autotask"

    def __init__(
        self,
        data: dict[str, list[dict[str, Any]]],
        clock: SandboxClock,
        policy: RateLimitPolicy,
        credentials: AutotaskCredentials,
    ) -> None:
        self.clock = clock
        self.policy = policy
        self.credentials = credentials
        self.db = Database(ENTITIES, data)
        self.limits = AutotaskLimits(clock, policy)
        self.pdf_faults: dict[int, tuple[int, str]] = {}

    # --- the ApiApp protocol -----------------------------------------------------------------------------

    def handle(self, request: Request, ctx: CallContext) -> Response:
        segments = [s for s in request.path.split("/") if s]
        ctx.template = _template(segments) or request.path
        if len(request.query_string) > MAX_QUERY_STRING:
            return Response(
                "<html><body><h2>HTTP Error 404.15 - Not Found</h2><p>The request filtering module is "
                "configured to deny a request where the query string is too long.</p></body></html>",
                status=404,
                content_type="text/html",
            )
        try:
            return self._route(request, ctx, segments)
        except ThrottleError as exc:
            ctx.throttled = True
            return json_response({"errors": exc.messages}, status=exc.status)
        except AutotaskError as exc:
            return json_response({"errors": exc.messages}, status=exc.status)
        except RouteError as exc:
            return json_response({"Message": exc.message}, status=exc.status)

    def fault_response(self, kind: str, request: Request, ctx: CallContext) -> Response:
        ctx.template = _template([s for s in request.path.split("/") if s]) or request.path
        if kind == "429":
            ctx.throttled = True
            return json_response(
                {"errors": ["The request threshold has been exceeded. Please retry the request later."]},
                status=429,
            )
        if kind == "503":
            return json_response({"errors": ["The service is temporarily unavailable."]}, status=503)
        return json_response({"errors": ["An unexpected error has occurred. Please try again."]}, status=500)

    def reset(self) -> None:
        self.db.reset()
        self.limits.reset()
        self.pdf_faults = {}

    def admin(self, action: str, request: Request) -> Response | None:
        if action == "rows" and request.method == "POST":
            body = admin_rows.parse_body(request.get_data())
            return json_response(admin_rows.apply_rows(self.db, body, self.clock))
        if action == "latency" and request.method == "POST":
            # Seconds each API call is held inside its thread slot, as a busy Autotask database holds it:
            # a test of the 3-thread limit then sees requests overlap on a fast machine as on a slow one.
            seconds = float((request.get_json(force=True) or {}).get("seconds", 0))
            if not 0 <= seconds <= 30:
                raise ValueError("latency seconds must be between 0 and 30")
            self.limits.extra_latency = seconds
            return json_response({"latency_seconds": seconds})
        if action == "invoice_pdf_faults" and request.method == "POST":
            self.pdf_faults = _pdf_faults(request.get_json(force=True))
            return json_response({"invoice_pdf_faults": sorted(self.pdf_faults)})
        return None

    # --- routing -----------------------------------------------------------------------------------------

    def _route(self, request: Request, ctx: CallContext, segments: list[str]) -> Response:
        lowered = [s.lower() for s in segments]
        if not lowered or lowered[0] != "atservicesrest":
            raise not_found(request.url)
        if lowered[1:] == ["versioninformation"]:
            _only(request, "GET")
            return json_response({"apiVersions": ["1.0"]})
        if len(lowered) < 3 or lowered[1] not in ("v1.0", "1.0"):
            raise not_found(request.url)
        rest = segments[2:]
        if lowered[2] == "zoneinformation" and len(rest) == 1:
            _only(request, "GET")
            return self._zone(request)
        self._authenticate(request)
        endpoint_name = rest[0]
        target = entity(endpoint_name)
        if lowered[2] == "thresholdinformation" and len(rest) == 1:
            endpoint = "ThresholdInformation"
        elif target is not None:
            endpoint = target.name
        else:
            endpoint = ""
        delay = self.limits.admit()
        with self.limits.thread_slot(self.credentials.integration_code, endpoint or request.path):
            self.limits.delay(delay + self.limits.extra_latency)
            if endpoint == "ThresholdInformation":
                _only(request, "GET")
                return json_response(
                    {
                        "externalRequestThreshold": HOURLY_THRESHOLD,
                        "requestThresholdTimeframe": THRESHOLD_TIMEFRAME_MINUTES,
                        "currentTimeframeRequestCount": self.limits.current_count(),
                    }
                )
            if target is None:
                raise not_found(request.url)
            return self._entity_route(request, ctx, self.db.table(target.name), rest[1:])

    def _entity_route(self, request: Request, ctx: CallContext, table: Table, rest: list[str]) -> Response:
        lowered = [s.lower() for s in rest]
        method = request.method
        ent = table.entity
        if not rest:
            if method in ("PATCH", "PUT") and ent.can_update:
                body = _json_body(request)
                ctx.log_body = _loggable(body)
                return json_response({"itemId": apply_update(table, body, self.clock, full=method == "PUT")})
            if method == "POST" and ent.can_create:
                raise AutotaskError(500, f"Creating {ent.name} is not supported by the sandbox.")
            raise method_not_allowed(method)
        if lowered[0] == "query":
            if lowered[1:] == []:
                _only(request, "GET", "POST")
                query, search_text = self._read_query(request, ctx, table)
                return self._query_page(request, table, query, search_text, after=None, before=None)
            if lowered[1:] == ["count"]:
                _only(request, "GET", "POST")
                query, _ = self._read_query(request, ctx, table)
                return json_response({"queryCount": query.count(table)})
            if lowered[1:] == ["next"]:
                _only(request, "GET", "POST")
                return self._next_page(request, ctx, table)
            raise not_found(request.url)
        if lowered[0] == "entityinformation":
            _only(request, "GET")
            if len(lowered) == 1:
                return json_response(metadata.entity_information(table))
            if lowered[1:] == ["fields"]:
                return json_response(metadata.fields(self.db, table))
            if lowered[1:] == ["userdefinedfields"]:
                return json_response(metadata.user_defined_fields(table))
            raise not_found(request.url)
        record_id = _int_segment(rest[0])
        if record_id is None:
            raise not_found(request.url)
        if len(rest) == 1:
            _only(request, "GET")
            return self._item(table, table.get(record_id))
        if ent.name == "Invoices" and lowered[1:] == ["invoicepdf"]:
            _only(request, "GET")
            return self._invoice_pdf(table, record_id)
        child = CHILDREN.get((ent.name, lowered[1]))
        if child is None or len(rest) > 3:
            raise not_found(request.url)
        child_table = self.db.table(child[0])
        if method != "GET":
            raise AutotaskError(500, f"Writing {child_table.entity.name} is not supported by the sandbox.")
        if len(rest) == 3:
            child_id = _int_segment(rest[2])
            if child_id is None:
                raise not_found(request.url)
            record = child_table.get(child_id)
            if record is not None and record.values.get(child[1]) != record_id:
                record = None
            return self._item(child_table, record)
        children = [
            r for cid in child_table.lookup(child[1], record_id) if (r := child_table.get(cid)) is not None
        ]
        items = ",".join(r.render(child_table.entity, None, child_table.udf_names) for r in children)
        details = {
            "count": len(children),
            "requestCount": len(children),
            "prevPageUrl": None,
            "nextPageUrl": None,
        }
        return _text_response(
            '{"items":[' + items + '],"pageDetails":' + json.dumps(details, separators=(",", ":")) + "}"
        )

    # --- handlers ----------------------------------------------------------------------------------------

    def _zone(self, request: Request) -> Response:
        user = _arg(request, "user")
        if not user or user.strip().lower() != self.credentials.username.lower():
            raise AutotaskError(500, "Zone information could not be determined for the user specified.")
        root = request.host_url  # http://127.0.0.1:P/
        return json_response(
            {"zoneName": ZONE_NAME, "url": f"{root}atservicesrest/", "webUrl": root, "ci": ZONE_CI}
        )

    def _authenticate(self, request: Request) -> None:
        user = request.headers.get("UserName", "")
        secret = request.headers.get("Secret", "")
        code = request.headers.get("ApiIntegrationCode", "")
        if not user.strip() or user.strip().lower() != self.credentials.username.lower():
            raise AutotaskError(500, "Unable to authenticate the user: the UserName is not a known API user.")
        if secret != self.credentials.secret:
            raise AutotaskError(401, "User authentication failed: the Secret does not match this UserName.")
        if code != self.credentials.integration_code:
            raise AutotaskError(
                500, "Invalid or missing ApiIntegrationCode: the tracking identifier is not recognised."
            )

    def _read_query(self, request: Request, ctx: CallContext, table: Table) -> tuple[Query, str | None]:
        search_text: str | None = None
        if request.method == "GET":
            search_text = _arg(request, "search")
            if not search_text:
                raise AutotaskError(500, "A GET query needs the search parameter holding the query JSON.")
            spec = _parse_json(search_text)
        else:
            spec = _json_body(request)
        ctx.log_body = _loggable(spec)
        return parse_query(table, spec), search_text

    def _invoice_pdf(self, table: Table, record_id: int) -> Response:
        fault = self.pdf_faults.get(record_id)
        if fault is not None:
            raise AutotaskError(*fault)
        record = table.get(record_id)
        if record is None:
            return _text_response('{"item":null}')
        return json_response(invoice_pdf_model(self.db, record))

    def _item(self, table: Table, record: Record | None) -> Response:
        if record is None:
            return _text_response('{"item":null}')
        return _text_response('{"item":' + record.render(table.entity, None, table.udf_names) + "}")

    def _query_page(
        self,
        request: Request,
        table: Table,
        query: Query,
        search_text: str | None,
        after: int | None,
        before: int | None,
    ) -> Response:
        found, more = query.page(table, after=after, before=before)
        if before is not None:
            has_next = True
            has_prev = more
        else:
            has_next = more
            has_prev = after is not None and bool(found)  # a next page always follows a page of matches
        if has_next and query.include is not None and "id" not in query.include:
            raise AutotaskError(
                500, "IncludeFields must include id when the query returns more than one page of results."
            )
        next_url = prev_url = None
        if has_next and found:
            next_url = self._page_url(request, table.entity, query, search_text, "a", found[-1].id)
        if has_prev and found:
            prev_url = self._page_url(request, table.entity, query, search_text, "b", found[0].id)
        udfs = table.udf_names
        items = ",".join(r.render(table.entity, query.include, udfs) for r in found)
        details = json.dumps(
            {
                "count": len(found),
                "requestCount": query.max_records,
                "prevPageUrl": prev_url,
                "nextPageUrl": next_url,
            },
            separators=(",", ":"),
        )
        return _text_response('{"items":[' + items + '],"pageDetails":' + details + "}")

    def _page_url(
        self,
        request: Request,
        ent: EntityDef,
        query: Query,
        search_text: str | None,
        direction: str,
        anchor: int,
    ) -> str:
        token = _encode_token({"e": ent.name, "m": request.method, "q": query.fingerprint, direction: anchor})
        url = f"{request.host_url}atservicesrest/v1.0/{ent.name}/query/next?paging={token}"
        if search_text is not None:
            url += "&search=" + quote(search_text, safe="")
        return url

    def _next_page(self, request: Request, ctx: CallContext, table: Table) -> Response:
        token = _decode_token(_arg(request, "paging"))
        if token.get("e") != table.entity.name:
            raise AutotaskError(500, "The paging token does not belong to this entity.")
        if token.get("m") != request.method:
            raise method_not_allowed(request.method)
        query, search_text = self._read_query(request, ctx, table)
        if query.fingerprint != token.get("q"):
            raise AutotaskError(500, "The query does not match the one the paging token was issued for.")
        after = token.get("a")
        before = token.get("b")
        if (
            not isinstance(after, int | None)
            or not isinstance(before, int | None)
            or (after is None) == (before is None)
        ):
            raise AutotaskError(500, "The paging token is not valid.")
        return self._query_page(request, table, query, search_text, after=after, before=before)


# --- helpers -------------------------------------------------------------------------------------------


def _only(request: Request, *methods: str) -> None:
    if request.method not in methods:
        raise method_not_allowed(request.method)


def _arg(request: Request, name: str) -> str | None:
    value = request.args.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, found in request.args.items():
        if key.lower() == lowered:
            return found
    return None


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        raise AutotaskError(500, "The request could not be read: the JSON is malformed.") from None


def _json_body(request: Request) -> Any:
    text = request.get_data(as_text=True)
    if not text.strip():
        raise AutotaskError(500, "The request body is empty; a JSON object is required.")
    return _parse_json(text)


def _loggable(value: Any) -> Any:
    """The body as plain JSON types for the request log; Decimals stay exact (jsonmoney writes the log)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, dict):
        return {str(k): _loggable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_loggable(v) for v in value]
    return value


def _pdf_faults(body: Any) -> dict[int, tuple[int, str]]:
    """invoice id -> (status, message) from `{"ids": [...], "status": 500, "message": "..."}`."""
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
        raise ValueError(
            'invoice_pdf_faults takes {"ids": [<invoice id>, ...], "status": 500, "message": "..."}'
        )
    ids = body["ids"]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ValueError("invoice_pdf_faults ids must be whole numbers")
    status = body.get("status", 500)
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise ValueError("invoice_pdf_faults status must be an HTTP error status (400-599)")
    message = str(body.get("message") or "An error occurred while generating the invoice PDF.")
    return {int(i): (status, message) for i in ids}


def _int_segment(text: str) -> int | None:
    if not text.isdigit():
        return None
    return int(text)


def _encode_token(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str | None) -> dict[str, Any]:
    if not token:
        raise AutotaskError(500, "The paging parameter is missing.")
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error):
        raise AutotaskError(500, "The paging token is not valid.") from None
    if not isinstance(data, dict):
        raise AutotaskError(500, "The paging token is not valid.")
    return data


def _template(segments: list[str]) -> str | None:
    """The path as a template with the canonical entity name (for stats), None for unknown routes."""
    lowered = [s.lower() for s in segments]
    if len(lowered) < 2 or lowered[0] != "atservicesrest":
        return None
    if lowered[1:] == ["versioninformation"]:
        return f"{ROOT}/versionInformation"
    if lowered[1] not in ("v1.0", "1.0") or len(lowered) < 3:
        return None
    if lowered[2:] == ["zoneinformation"]:
        return f"{V1}/zoneInformation"
    if lowered[2:] == ["thresholdinformation"]:
        return f"{V1}/ThresholdInformation"
    target = entity(segments[2])
    if target is None:
        return None
    parts = [V1, target.name]
    rest = lowered[3:]
    if rest[:1] in (["query"], ["entityinformation"]):
        names = {
            "query": "query",
            "count": "count",
            "next": "next",
            "entityinformation": "entityInformation",
            "fields": "fields",
            "userdefinedfields": "userDefinedFields",
        }
        parts += [names.get(s, s) for s in rest]
    elif rest:
        parts.append("{id}")
        if target.name == "Invoices" and rest[1:] == ["invoicepdf"]:
            parts.append("InvoicePDF")
        elif len(rest) >= 2:
            child = CHILDREN.get((target.name, rest[1]))
            parts.append(rest[1] if child is None else segments[4][:1].upper() + rest[1][1:])
        if len(rest) >= 3:
            parts.append("{childId}")
    return "/".join(parts)
