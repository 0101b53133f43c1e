"""What a connector says about its own distribution: where its documentation is, and which extra a command
needs when its SDK is missing.

Why here: the four connectors ship their Airbyte and Singer SDKs as extras (`source-autotask[airbyte]`,
`source-autotask[singer]`), so an Airbyte image does not carry singer-sdk and a Meltano install does not
carry airbyte-cdk. The price is that `pip install source-autotask` followed by `source-autotask spec` would
end in a traceback about `airbyte_cdk` that does not say what to install. Each adapter module probes its SDK
first and hands a miss to `missing_extra`, so every connector fails the same way: one line naming the
extra. The documentation URL is written once for the same reason: the Airbyte specs, metadata.yaml files
and pyproject URLs all point at one page.
"""

from __future__ import annotations

import sys
from types import TracebackType

DOCUMENTATION_URL = "https://github.com/autotask-xero/autotask-xero#readme"

_SDK_NAMES = {"airbyte_cdk": "airbyte-cdk", "singer_sdk": "singer-sdk"}


class MissingExtra(ModuleNotFoundError):
    """An adapter's SDK is not installed.

    Still a ModuleNotFoundError for code that imports the adapter (a test, a program probing for it); a
    command that dies of it prints only its message (see `missing_extra`)."""


def missing_extra(error: ModuleNotFoundError, sdk: str, requirement: str) -> ModuleNotFoundError:
    """The exception an adapter raises when importing its SDK (`sdk`, e.g. "airbyte_cdk") failed.

    A module other than the SDK itself missing is a broken install, not a missing extra: that error is
    handed back unchanged. Otherwise the result is a `MissingExtra` saying `install <requirement>`, and
    the process's excepthook is set so that, uncaught (a console script), it prints that one line and the
    process exits 1 instead of printing a traceback."""
    if (error.name or "").split(".")[0] != sdk:
        return error
    package = _SDK_NAMES.get(sdk, sdk)
    message = f"{_command()}: {package} is not installed; install {requirement} (pip install '{requirement}')"
    _print_missing_extra_without_traceback()
    return MissingExtra(message, name=error.name)


def _command() -> str:
    name = sys.argv[0].rsplit("/", 1)[-1] if sys.argv and sys.argv[0] else ""
    return name or "this command"


def _print_missing_extra_without_traceback() -> None:
    previous = sys.excepthook
    if getattr(previous, "_missing_extra_hook", False):
        return

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if isinstance(value, MissingExtra):
            print(value, file=sys.stderr)
        else:
            previous(kind, value, tb)

    hook._missing_extra_hook = True  # type: ignore[attr-defined]
    sys.excepthook = hook
