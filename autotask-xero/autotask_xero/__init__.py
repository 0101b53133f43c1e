"""autotask-xero: tools over both ends of the sync (not a connector): `autotask-xero check`."""
