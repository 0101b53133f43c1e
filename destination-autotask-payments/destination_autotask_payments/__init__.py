"""See the distribution README."""
