"""The app factory: configuration, the open index, blueprints, error pages and headers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from indexer.cli import DEFAULT_CORPUS, DEFAULT_INDEX
from web import api, entities, errors, exports, feeds, index, openapi, pages, security, urls


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; the environment gives defaults and `config` overrides them (tests)."""
    app = Flask(__name__)
    app.config.from_mapping(
        ORBITE_CORPUS=os.environ.get("ORBITE_CORPUS", DEFAULT_CORPUS),
        ORBITE_INDEX=os.environ.get("ORBITE_INDEX", DEFAULT_INDEX),
        ORBITE_ADMIN_TOKEN=os.environ.get("ORBITE_ADMIN_TOKEN") or None,
        # How long POST /api/reindex waits for another writer before answering 503.
        ORBITE_REINDEX_WAIT=5.0,
    )
    if config:
        app.config.from_mapping(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the documented key order
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["entity_url"] = urls.entity_url  # the search box's suggestions

    index.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    for blueprint in (api.bp, exports.bp, pages.bp, entities.bp, feeds.bp, openapi.bp):
        app.register_blueprint(blueprint)
    return app
