"""Orbite's web application (the app factory lives in `web.app`)."""
