"""Schemathesis against `/openapi.json`, in-process: no 5xx, nothing the document does not say.

`test_openapi.py` fuzzes the API over the seed releases with valid requests. This module adds
what a hostile client and an odd corpus bring: requests that break the schema on purpose
(negative mode), the admin token so that reindexing answers 200 with its summary, and a corpus
with ids in folders, undated and untitled releases, script injections and skipped files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

from tests.corpus_factory import short_release
from tests.fixtures_web import ADMIN_TOKEN, SEEDS, XSS_FILES, config
from tests.pdf_factory import pdf_bytes
from web import create_app

OPERATIONS = [
    ("GET", "/api/search"),
    ("GET", "/api/suggest"),
    ("GET", "/api/search.csv"),
    ("GET", "/api/search.jsonl"),
    ("GET", "/api/agencies/{name}"),
    ("GET", "/api/missions/{name}"),
    ("GET", "/api/releases/{release_id}"),
    ("GET", "/api/health"),
    ("POST", "/api/reindex"),
]
SEARCHES = [operation for operation in OPERATIONS if operation[1].startswith("/api/search")]
CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.status_code_conformance,
    checks.content_type_conformance,
]
ODD_FILES: dict[str, str | bytes] = {
    **XSS_FILES,
    "2020/cp111.txt": short_release(111),
    "2020/sous dossier/cp 112.txt": short_release(112),
    "undated.txt": "Une sonde sans date\n\nLe CNES parle de la Lune.\n",
    "untitled.html": "<html><body><p>Le CNES et la mission Ulysse.</p></body></html>",
    "lune.pdf": pdf_bytes("La sonde lunaire du CNES"),
    "empty.txt": b"",
    "broken.pdf": b"%PDF-1.4 nothing else",
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory):
    """The app's OpenAPI schema, loaded from the app itself (WSGI, no server)."""
    base = tmp_path_factory.mktemp("schemathesis")
    corpus = base / "corpus"
    shutil.copytree(SEEDS, corpus)
    for name, content in ODD_FILES.items():
        path = corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    app = create_app(config(corpus, base / "index"))
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


def test_every_documented_operation_is_fuzzed(api) -> None:
    operations = [result.ok() for result in api.get_all_operations()]
    assert sorted((op.method.upper(), op.path) for op in operations) == sorted(OPERATIONS)


@pytest.mark.parametrize(
    ("method", "path", "mode"),
    # Only the search's parameters (search, exports) have constraints to break: the other
    # operations take none (health, reindex) or any string (a release id): no negative case.
    [(*operation, GenerationMode.POSITIVE) for operation in OPERATIONS]
    + [(method, path, GenerationMode.NEGATIVE) for method, path in SEARCHES],
)
def test_generated_requests_get_documented_answers(
    api, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api[path][method]
    strategy = operation.as_strategy(mode, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    check()


def test_the_corpus_is_as_odd_as_intended(api, tmp_path: Path) -> None:
    """The fuzzed app really holds folders, undated releases and skipped files."""
    client = api.app.test_client()
    assert client.get("/api/releases/2020/sous dossier/cp 112").status_code == 200
    assert client.get("/api/releases/undated").get_json()["date"] is None
    summary = client.post("/api/reindex", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert {s["path"] for s in summary.get_json()["skipped"]} == {"empty.txt", "broken.pdf"}
