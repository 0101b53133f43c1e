"""destination-xero."""
