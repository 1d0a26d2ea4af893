"""`SkipFile`: the one error a reader raises, so that one bad file never stops an indexing run."""

from __future__ import annotations


class SkipFile(Exception):
    """A file that cannot be indexed; `reason` says why in a few English words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
