"""Autotask PSA REST emulator.

Modules, one job each: `catalog` (entities and their fields, stated as facts), `values` (typed values,
comparison keys, exact-decimal JSON), `store` (tables, indexes, copy-on-write updates), `query` (the filter
language), `writes` (PATCH/PUT rules), `metadata` (entityInformation), `limits` (hourly threshold and
thread limit), `errors` (the two error shapes), `app` (routing and auth), `picklists` (shared with the
dataset generator) and `testing` (helpers for the tests only).
"""
