"""The source's own errors: a bad config, a record that cannot be output.

They subclass the client's `AutotaskError`, so the adapters' one `except AutotaskError` reports them and the
API's errors alike, as one line that names the field or record and never a secret.
"""

from __future__ import annotations

from autotask_client.errors import AutotaskError


class ConfigError(AutotaskError):
    """The configuration is incomplete or malformed."""


class RecordError(AutotaskError):
    """A record Autotask returned cannot be turned into a valid output record."""
