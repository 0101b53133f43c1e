"""The two error shapes Autotask answers with.

Business and validation failures come from the API itself as `{"errors": [...]}` (usually HTTP 500, even
for what other APIs call a 400); routing failures come from the ASP.NET Web API layer in front of it as
`{"Message": "..."}` (404 for an unknown resource, 405 for a method a resource does not support).
"""

from __future__ import annotations


class AutotaskError(Exception):
    """An `{"errors": [...]}` answer."""

    def __init__(self, status: int, *messages: str) -> None:
        super().__init__(messages[0] if messages else "")
        self.status = status
        self.messages = list(messages)


class RouteError(Exception):
    """A `{"Message": "..."}` answer from the web layer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def method_not_allowed(method: str) -> RouteError:
    return RouteError(405, f"The requested resource does not support http method '{method}'.")


def not_found(url: str) -> RouteError:
    return RouteError(404, f"No HTTP resource was found that matches the request URI '{url}'.")
