"""source-autotask."""
