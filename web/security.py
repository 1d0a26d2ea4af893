"""Security headers on every response: pages, JSON, static files, downloads and errors."""

from __future__ import annotations

from flask import Flask, Response

# No inline script or style anywhere (the one script and the one stylesheet are static files),
# so the policy needs no nonce.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
# Downloads of stored files: never a document that could run anything on our origin.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def add_headers(response: Response) -> Response:
    """Set the headers a view has not set itself (a download sets a stricter policy)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    """Apply `add_headers` after every request, error pages included."""
    app.after_request(add_headers)
