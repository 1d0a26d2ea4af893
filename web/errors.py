"""Errors in one place: one JSON shape for the API, friendly French pages for people.

Views raise (`ApiError`, the indexer's `BadRequest` or `StoreError`, or Werkzeug's
`HTTPException`); the handlers here choose JSON or HTML from the requested path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.index.store import IndexBusy, StoreError
from indexer.search.request import BadRequest

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    500: "internal_error",
    503: "unavailable",
}
MESSAGES = {
    400: "the request is not valid",
    401: "a valid bearer token is required",
    403: "this operation is not allowed",
    404: "no such resource",
    405: "method not allowed here",
    500: "unexpected error; it has been logged",
    503: "the index is not available right now, try again shortly",
}
TITLES_FR = {
    400: ("Requête invalide", "Cette adresse contient un paramètre que nous ne comprenons pas."),
    401: ("Authentification requise", "Cette opération demande un jeton d’accès."),
    403: ("Accès refusé", "Cette opération n’est pas autorisée."),
    404: ("Page introuvable", "Aucune page ne correspond à cette adresse."),
    405: ("Méthode non autorisée", "Cette adresse ne s’utilise pas de cette façon."),
    500: ("Erreur interne", "Une erreur inattendue s’est produite ; elle a été enregistrée."),
    503: (
        "Service momentanément indisponible",
        "L’index est en cours de mise à jour ou inaccessible. Réessayez dans un instant.",
    ),
}


class ApiError(Exception):
    """An error an API view answers with: HTTP status, stable code, English message."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def error_body(code: str, message: str) -> dict[str, Any]:
    """The one JSON shape of every API error."""
    return {"error": {"code": code, "message": message}}


def wants_json() -> bool:
    """API paths (and the OpenAPI document) answer errors in JSON; everything else in HTML."""
    path = request.path
    return path == "/api" or path.startswith("/api/") or path.endswith(".json")


def respond(
    status: int,
    code: str | None = None,
    message: str | None = None,
    message_fr: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Render an error as JSON or as a French page, depending on the route."""
    if wants_json():
        response = jsonify(
            error_body(code or CODES.get(status, "error"), message or MESSAGES.get(status, "error"))
        )
    else:
        title, default = TITLES_FR.get(status, TITLES_FR[500])
        html = render_template(
            "error.html", status=status, title=title, message=message_fr or default
        )
        response = Response(html, mimetype="text/html")
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    custom = exc.description if exc.description != type(exc).description else None
    if status == 404 and custom is None:
        message = f"no such path: {request.path}"
    elif status == 405:
        allowed = ", ".join(m for m in exc.valid_methods or () if m not in ("HEAD", "OPTIONS"))
        message = f"{request.method} is not allowed on {request.path}; use {allowed}"
    else:
        message = custom or MESSAGES.get(status, exc.name)
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    return respond(status, message=message, message_fr=custom, headers=headers)


def _api_error(exc: ApiError) -> Response:
    return respond(exc.status, exc.code, exc.message, headers=exc.headers)


def _bad_request(exc: BadRequest) -> Response:
    return respond(400, "invalid_parameter", str(exc))


def _store_error(exc: StoreError) -> Response:
    code = "index_busy" if isinstance(exc, IndexBusy) else "index_unavailable"
    return respond(503, code, str(exc), headers={"Retry-After": "5"})


def _unexpected(exc: Exception) -> Response:
    current_app.logger.exception("unexpected error on %s", request.path)
    return respond(500)


def init_app(app: Flask) -> None:
    """Route every error through `respond`, the unexpected ones last."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(BadRequest, _bad_request)
    app.register_error_handler(StoreError, _store_error)
    app.register_error_handler(Exception, _unexpected)
