"""The benchmarks: `make bench` (python -m bench.run) prints the table."""
