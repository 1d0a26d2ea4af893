"""`Release` -> the Whoosh index on disk: schema, generations and lock, incremental and parallel
builds, the watcher, and the one door to Whoosh's internals."""
