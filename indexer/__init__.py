"""Orbite's indexer: corpus reading, metadata, French analysis, the Whoosh index and search."""
