"""reverse-payments: Xero payments back into Autotask `paidDate` (core + Airbyte/Singer adapters)."""
