"""Helpers shared by the sandbox tests (datasets, HTTP clients, spec checkers); not part of the sandbox."""
