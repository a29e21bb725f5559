"""The pieces of `make bench` (bench/bench.py): configuration, containers, load generation, the
measurements, per-round ratios and the reports. Standard library only: it runs on the system python3."""
