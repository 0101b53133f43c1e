"""Local sandbox of the Autotask PSA REST and Xero Accounting APIs."""
