"""The Airbyte adapter's start-up patch (connector_kit.fast_cdk_import) changes nothing the platform sees.

Each side runs in a fresh interpreter, since the patch must come before the CDK's first import: one with
the patch, one with it replaced by a no-op. The spec message, a record, a state and a log message must
serialise to the same bytes either way. If a serpyco-rs upgrade changed what the patch touches, this test
names the difference.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

PROGRAM = r"""
import json, sys
import connector_kit.fast_cdk_import as fast
if sys.argv[1] == "off":
    fast.skip_serpyco_docstrings = lambda: False
from destination_xero.airbyte import DestinationXero
from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer, Type
from airbyte_cdk.models import AirbyteRecordMessage, AirbyteLogMessage, Level
import logging
spec = DestinationXero().spec(logging.getLogger("t"))
messages = [
    AirbyteMessage(type=Type.SPEC, spec=spec),
    AirbyteMessage(
        type=Type.RECORD, record=AirbyteRecordMessage(stream="invoices", data={"a": 1}, emitted_at=1)
    ),
    AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.INFO, message="m")),
]
dumped = [AirbyteMessageSerializer.dump(m) for m in messages]
loaded = [AirbyteMessageSerializer.dump(AirbyteMessageSerializer.load(d)) for d in dumped]
assert loaded == dumped
print(json.dumps(dumped, sort_keys=True))
"""


def _serialised(mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="the patch applies only before Python 3.13")
def test_the_patch_applies_and_changes_no_message_the_platform_sees() -> None:
    from connector_kit.fast_cdk_import import skip_serpyco_docstrings

    assert skip_serpyco_docstrings()  # this serpyco-rs is the one the patch was written for
    assert _serialised("on") == _serialised("off")
