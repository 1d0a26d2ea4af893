"""Orbite's web application: `flask --app web run` finds `create_app` here."""

from web.app import create_app

__all__ = ["create_app"]
