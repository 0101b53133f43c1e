"""Xero Accounting API and identity emulator."""
