"""Autotask PSA REST emulator."""
