"""Stream definitions: which entity each stream reads, how it is incremental, what it needs to read."""
