"""Tests for web.urls: release URLs built in one place, the same in the API, pages and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures_web import select
from tests.seed import CHINA_2020
from web.cli import main
from web.urls import release_url


@pytest.mark.parametrize(
    ("release_id", "q", "root", "url"),
    [
        ("cp-1", "", "", "/releases/cp-1"),
        ("dossier/a#b?c", "", "", "/releases/dossier/a%23b%3Fc"),
        ("été 2020", "", "", "/releases/%C3%A9t%C3%A9%202020"),
        ("cp-1", "lune & mars", "", "/releases/cp-1?q=lune+%26+mars"),
        ("cp-1", "", "/orbite", "/orbite/releases/cp-1"),
    ],
)
def test_release_urls_are_percent_encoded(release_id: str, q: str, root: str, url: str) -> None:
    assert release_url(release_id, q, root) == url


def test_api_and_pages_honour_the_mount_prefix(seed_client) -> None:
    prefix = "http://localhost/orbite"  # mounted under /orbite (SCRIPT_NAME)
    found = seed_client.get("/api/search?q=Chine", base_url=prefix).get_json()
    assert found["results"][0]["url"] == f"/orbite/releases/{CHINA_2020}"
    detail = seed_client.get(f"/api/releases/{CHINA_2020}", base_url=prefix).get_json()
    assert detail["similar"]
    assert all(s["url"] == f"/orbite/releases/{s['id']}" for s in detail["similar"])
    page = seed_client.get("/?q=Chine", base_url=prefix).get_data(as_text=True)
    links = {a["href"] for a in select(page, "a") if "/releases/" in (a["href"] or "")}
    assert f"/orbite/releases/{CHINA_2020}?q=Chine" in links


def test_cli_json_has_the_same_urls_as_the_api(
    capsys, seed_corpus: Path, index_dir: Path, seed_client
) -> None:
    with pytest.raises(SystemExit):
        main(["search", "--json", "--corpus", str(seed_corpus), "--index", str(index_dir)])
    printed = json.loads(capsys.readouterr().out)
    served = seed_client.get("/api/search").get_json()
    assert [r["url"] for r in printed["results"]] == [r["url"] for r in served["results"]]
    assert all(r["url"] == f"/releases/{r['id']}" for r in printed["results"])
