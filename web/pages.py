"""The HTML pages: search, a release, and its original file."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, send_file, url_for

from indexer.reading.dates import french_date
from indexer.search.releases import highlighted_text, release_detail, source_file
from indexer.search.request import BadRequest
from indexer.search.searching import search, with_canonical_names
from web.context import badges, search_page, search_url, similar_items
from web.index import get_index
from web.params import search_args, search_request
from web.security import DOWNLOAD_CSP

bp = Blueprint("pages", __name__)

# Shown instead of the indexer's English message, by parameter.
PARAMETER_ERRORS_FR = {
    "q": "Votre recherche est trop longue : 500 caractères et 32 mots au plus.",
    "page": "Le numéro de page doit être un nombre entier entre 1 et 1000.",
    "per_page": "Le nombre de résultats par page doit être un nombre entier entre 1 et 100.",
    "year": "Une année s’écrit avec quatre chiffres, par exemple 2020.",
    "from": "La date de début doit s’écrire AAAA-MM-JJ et précéder la date de fin.",
    "to": "La date de fin doit s’écrire AAAA-MM-JJ.",
    "sort": "Tri inconnu : choisissez pertinence, plus récents ou plus anciens.",
}
# Plain text (Werkzeug adds charset=utf-8) whatever they hold: stored HTML never runs here.
SOURCE_TYPES = {
    ".txt": "text/plain",
    ".md": "text/plain",
    ".markdown": "text/plain",
    ".html": "text/plain",
    ".htm": "text/plain",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".eml": "message/rfc822",
}
PARTIAL_HEADER = "X-Orbite-Partial"


@bp.get("/", endpoint="search")
def search_view() -> Response:
    """Search form, results, facets; with the partial header, only the parts that change."""
    error, response, parsed = None, None, None
    try:
        index = get_index()
        # Under canonical names, so that the facets show an alias's entity as selected.
        parsed = with_canonical_names(search_request(request.args), index.snapshot().gazetteer)
        response = search(index, parsed)
    except BadRequest as exc:
        error = PARAMETER_ERRORS_FR.get(exc.parameter or "", "Paramètre de recherche invalide.")
    context = search_page(response, parsed, request.args)
    partial = request.headers.get(PARTIAL_HEADER) == "1"
    html = render_template("partial.html" if partial else "search.html", error=error, **context)
    page = Response(html, status=400 if error else 200, mimetype="text/html")
    page.vary.add(PARTIAL_HEADER)
    return page


@bp.get("/releases/<path:release_id>")
def release(release_id: str) -> str:
    """A whole release, the query's words marked, with similar releases."""
    index = get_index()
    detail = release_detail(index, release_id)
    if detail is None:
        abort(404, description=f"Aucun communiqué n’a l’identifiant « {release_id} ».")
    q = request.args.get("q", "")

    def marked(q: str) -> tuple[str, str]:  # the headline and the text, the query's words marked
        return tuple(highlighted_text(index, detail[key], q) for key in ("title", "text"))

    try:
        title_html, text_html = marked(q)
    except BadRequest:  # a query too long to use: show the text unmarked
        q, (title_html, text_html) = "", marked("")
    return render_template(
        "release.html",
        release=detail,
        release_date=french_date(detail["date"]),
        title_html=title_html,
        text_html=text_html,
        q=q,
        back_url=search_url(search_args(request.args)) if q else None,
        source_url=url_for("pages.source", release_id=release_id),
        similar=similar_items(detail["similar"]),
        release_badges=badges(detail),
        title=f"{detail['title'] or detail['id']} — Orbite",
    )


@bp.get("/releases/<path:release_id>/source")
def source(release_id: str) -> Response:
    """The original file as a download, as inert text unless it is a PDF."""
    path = source_file(get_index(), release_id)
    if path is None:
        abort(404, description=f"Aucun fichier original pour « {release_id} ».")
    mimetype = SOURCE_TYPES.get(path.suffix.lower(), "application/octet-stream")
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=path.name)
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response
