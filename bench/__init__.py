"""Orbite's benchmark: latency, build and freshness figures beside a SQLite FTS5 baseline."""
