"""`check`: one Autotask query (one invoice id), so a wrong user, secret, zone or permission is named before
a sync; the message is scrubbed of the API user's secrets.
"""

from __future__ import annotations

from autotask_client.client import AutotaskClient
from autotask_client.errors import AutotaskError
from autotask_client.query import F, Query


def check_destination(client: AutotaskClient) -> tuple[bool, str]:
    """(readable, message)."""
    try:
        next(
            iter(client.query(Query("Invoices", (F("id").gte(0),), include_fields=("id",), max_records=1))),
            None,
        )
    except AutotaskError as exc:
        return False, client.scrub(str(exc))
    return True, "Autotask Invoices readable"
