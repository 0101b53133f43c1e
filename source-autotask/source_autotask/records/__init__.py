"""Record assembly: projecting Autotask entities onto the stream schemas and joining invoice documents."""
