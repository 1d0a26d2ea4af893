"""Orbite's web application: `flask --app web run` finds `create_app` here.

`create_app` is imported on first use, so that `orbite index` and `orbite search` (whose
console script lives in this package) do not load Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from web.app import create_app

        return create_app
    raise AttributeError(f"module 'web' has no attribute {name!r}")
