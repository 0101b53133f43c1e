"""The benchmark behind `make bench`: API calls against the vendor-limit floor, wall time, memory, a peer."""
