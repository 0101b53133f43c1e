"""reverse-payments."""
