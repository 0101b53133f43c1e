"""Every non-2xx answer the Xero emulator gives, in the shape Xero itself uses for it.

Xero answers in four different dialects depending on which layer refuses a call, and clients that assume
one shape everywhere break on the others, so each is reproduced as-is:

- the API gateway's "problem JSON" (`{"Type":null,"Title","Status","Detail","Instance","Extensions"}`) for
  401 and 403;
- the Accounting API's `ApiException` JSON (`{"ErrorNumber","Type","Message"[,"Elements"]}`) for 400s
  raised by the API itself (validation 10, post data 14, query parse 16, no data 17);
- plain text for 404 ("The resource you're looking for cannot be found", confirmed in
  XeroAPI/Xero-OpenAPI#163: the body is NOT JSON) and for 503 "The Organisation is offline";
- the identity server's OAuth2 JSON (`{"error": ...}`) for `/connect/*`.

Choices where the sources are silent (UNCONFIRMED, picked so a sloppy client fails here first):
- 429: the body is plain text and carries no machine-readable detail; only the headers (`Retry-After`,
  `X-Rate-Limit-Problem`, the three `X-*Limit-Remaining`) say what happened, as clients are told to use.
- 500: problem JSON with Title "An error occurred", so a client cannot mistake it for an `ApiException`.
- 413 (body over 3.5 MB): problem JSON "Payload Too Large"; the request is not processed.
- Header and query-string mistakes the API layer rejects before any data is touched (an over-long
  `Idempotency-Key`, an unparseable `If-Modified-Since`, a non-numeric `page`) answer 400 problem JSON.
"""

from __future__ import annotations

import uuid
from typing import Any

from werkzeug.wrappers import Response

from .platform_json import dumps

NOT_FOUND_TEXT = "The resource you're looking for cannot be found"
ORGANISATION_OFFLINE_TEXT = "The Organisation is offline"
RATE_LIMIT_TEXT = "Rate limit exceeded. Please wait before retrying the Xero API."


def json_body(data: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        dumps(data), status=status, headers=headers, content_type="application/json; charset=utf-8"
    )


def text_body(text: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status=status, headers=headers, content_type="text/plain; charset=utf-8")


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    """The gateway's RFC 7807-style body (note Xero sends `"Type": null`)."""
    body: dict[str, Any] = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    return json_body(body, status, headers)


def unauthorized(detail: str = "AuthorizationUnsuccessful") -> Response:
    return problem(401, "Unauthorized", detail, {"WWW-Authenticate": 'Bearer error="invalid_token"'})


def token_expired(expired_at_text: str) -> Response:
    return unauthorized(f"TokenExpired: token expired at {expired_at_text}")


def forbidden(detail: str = "AuthenticationUnsuccessful") -> Response:
    return problem(403, "Forbidden", detail)


def not_found() -> Response:
    return text_body(NOT_FOUND_TEXT, 404)


def method_not_allowed(method: str) -> Response:
    return json_body({"Message": f"The requested resource does not support http method '{method}'."}, 405)


def not_implemented(method: str, endpoint: str) -> Response:
    return json_body(
        {
            "ErrorNumber": 501,
            "Type": "NotImplementedException",
            "Message": f"{method} {endpoint} is not implemented",
        },
        501,
    )


def api_exception(
    number: int, kind: str, message: str, elements: list[dict[str, Any]] | None = None
) -> Response:
    body: dict[str, Any] = {"ErrorNumber": number, "Type": kind, "Message": message}
    if elements is not None:
        body["Elements"] = elements
    return json_body(body, 400)


def validation_exception(elements: list[dict[str, Any]]) -> Response:
    return api_exception(10, "ValidationException", "A validation exception occurred", elements)


def post_data_invalid(message: str) -> Response:
    return api_exception(14, "PostDataInvalidException", message)


def query_parse_error(message: str) -> Response:
    return api_exception(16, "QueryParseException", message)


def no_data_processed(message: str) -> Response:
    return api_exception(17, "NoDataProcessedException", message)


def bad_request(detail: str) -> Response:
    return problem(400, "Bad Request", detail)


def payload_too_large(limit_bytes: int) -> Response:
    return problem(413, "Payload Too Large", f"The request body exceeds the {limit_bytes} byte limit")


def rate_limited(problem_kind: str, retry_after: int, headers: dict[str, str]) -> Response:
    all_headers = dict(headers)
    all_headers["Retry-After"] = str(retry_after)
    all_headers["X-Rate-Limit-Problem"] = problem_kind
    return text_body(RATE_LIMIT_TEXT, 429, all_headers)


def internal_error() -> Response:
    return problem(
        500,
        "An error occurred",
        "An error occurred in Xero. Check the API Status page https://status.developer.xero.com for current "
        "service status. Contact the API support team at api@xero.com for more assistance.",
    )


def organisation_offline() -> Response:
    return text_body(ORGANISATION_OFFLINE_TEXT, 503)


def oauth_error(error: str, description: str | None = None, status: int = 400) -> Response:
    body: dict[str, str] = {"error": error}
    if description:
        body["error_description"] = description
    return json_body(body, status, {"Cache-Control": "no-store", "Pragma": "no-cache"})
