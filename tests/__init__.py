"""The test suite. A package, so that the tests and the benchmarks import its helpers by name."""
