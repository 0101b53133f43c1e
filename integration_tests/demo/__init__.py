"""`make demo` (`python -m demo`): the product run end to end against the sandbox, as a user would run it.

Why a package of its own, outside `sandbox`: the sandbox emulates the two vendor APIs and knows nothing of
the connectors; the demo is a *user* of the connectors (their console scripts, meltano.yml) that happens to
point them at the sandbox. Keeping the two apart means the emulator never grows product knowledge, and the
demo only reaches the sandbox the way a test does, through `sandbox.launcher`.

Modules: `cli` (the steps and the exit status), `configs` (the connector configs from the sandbox's ready
line), `jobs` and `pipe` (the Airbyte runner: `<source> read | <destination> write`), `meltano_runner` and
`meltano_env` (the Meltano runner and its cached virtualenvs), `payments` (payments recorded in Xero),
`report` (the text summary and the HTML report).
"""
