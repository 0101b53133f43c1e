"""Start-up of the Airbyte adapters: skip the field docstrings the CDK's serializers would parse for nothing.

Why: `import airbyte_cdk` builds eight `serpyco_rs.Serializer`s for the protocol messages. serpyco-rs
(1.x) builds each type's JSON schema eagerly, and to describe its fields it calls
`attributes_doc.get_attributes_doc`, which runs `inspect.getsource` on every class in each model's MRO. On
Python before 3.13, that parses the whole source module once per class. The 16 protocol enums each parse
`enum.py` again. Measured on this project's machine, that is 0.4-0.6 s of every Airbyte process's start,
more under load (integration_tests/bench startup.py). The CDK never reads those descriptions: the
connectors' `spec` output is byte for byte the same without them.

How: before the first CDK import, the three places serpyco-rs looks the function up get one that describes
no field. These are private names of serpyco-rs, so the patch applies only where each name is found, and
only to the serpyco-rs major version it was written against. Anything else leaves serpyco-rs untouched,
and start-up is merely slower. Python 3.13 records `__firstlineno__` on classes (CPython gh-118465), which
makes the parsing cheap, and there the patch is not needed.
"""

from __future__ import annotations

import importlib
import sys
from importlib import metadata
from typing import Any

PATCHED_MODULES = ("serpyco_rs._utils", "serpyco_rs._describe", "serpyco_rs._json_schema._convert")
SUPPORTED_MAJOR = "1"


def _no_field_docs(_cls: Any) -> dict[str, str]:
    return {}


def skip_serpyco_docstrings() -> bool:
    """Patch serpyco-rs before airbyte_cdk is imported; True when it was patched (or need not be)."""
    if sys.version_info >= (3, 13):
        return True
    try:
        version = metadata.version("serpyco-rs")
    except metadata.PackageNotFoundError:
        return False
    if version.split(".", 1)[0] != SUPPORTED_MAJOR:
        return False
    patched = False
    for name in PATCHED_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "get_attributes_doc"):
            setattr(module, "get_attributes_doc", _no_field_docs)  # noqa: B010 - a private name, checked above
            patched = True
    return patched
