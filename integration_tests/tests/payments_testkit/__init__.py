"""Test helpers shared by source-xero-payments' and destination-autotask-payments' tests (and by any test
that runs the payments pair): configs for a running sandbox, and Xero data seeded over HTTP."""
