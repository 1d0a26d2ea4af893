"""Web fixtures: apps built on temporary corpora and indexes (never on the repository's corpus).

`tests/conftest.py` registers this module as a plugin, so every test module gets these
fixtures; test modules import only its constants and helpers.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient

from tests.seed import SEEDS
from web import create_app

ADMIN_TOKEN = "secret"

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
PAYLOADS = (SCRIPT, IMG, SVG)
# Hostile text in a release's body and title, and in front matter (which feeds badges, facets).
XSS_FILES: dict[str, str | bytes] = {
    "evil.txt": (
        f"{SCRIPT} Lancement lunaire {IMG}\n\n12 mars 2021\n\nCP001-2021\n\n"
        f"Le CNES annonce une mission vers la lune. {SCRIPT} puis {IMG} et enfin {SVG}.\n"
    ),
    "meta.md": (
        "---\n"
        f'title: "Déclaration {IMG}"\n'
        "date: 2022-01-05\n"
        f'agencies: ["{SCRIPT}", "CNES"]\n'
        f"missions: ['{SVG}']\n"
        "---\n\nLe CNES parle de la lune encore.\n"
    ),
}


def config(corpus: Path, index: Path, **overrides: Any) -> dict[str, Any]:
    """The configuration tests give `create_app`."""
    return {
        "TESTING": True,
        "ORBITE_CORPUS": str(corpus),
        "ORBITE_INDEX": str(index),
        "ORBITE_ADMIN_TOKEN": ADMIN_TOKEN,
        **overrides,
    }


@pytest.fixture
def make_app(index_dir: Path) -> Callable[..., Flask]:
    """Build an app on a corpus folder (indexed into this test's index folder)."""

    def make(corpus: Path, **overrides: Any) -> Flask:
        return create_app(config(corpus, index_dir, **overrides))

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask], seed_corpus: Path) -> Flask:
    """An app on a private copy of the seed releases, free to modify."""
    return make_app(seed_corpus)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def seed_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app on the seed releases for the whole session; tests must not modify it."""
    base = tmp_path_factory.mktemp("web-seeds")
    shutil.copytree(SEEDS, base / "corpus")
    return create_app(config(base / "corpus", base / "index"))


@pytest.fixture
def seed_client(seed_app: Flask) -> FlaskClient:
    return seed_app.test_client()


@pytest.fixture(scope="session")
def xss_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app whose releases (text, title, front matter) carry script injections."""
    base = tmp_path_factory.mktemp("web-xss")
    corpus = base / "corpus"
    corpus.mkdir()
    for name, content in XSS_FILES.items():
        (corpus / name).write_text(str(content), encoding="utf-8")
    return create_app(config(corpus, base / "index"))


@pytest.fixture
def xss_client(xss_app: Flask) -> FlaskClient:
    return xss_app.test_client()


class Element:
    """An HTML element as tests see it: tag, attributes, all the text inside it, its elements."""

    def __init__(self, node: Tag) -> None:
        self.node = node
        self.tag = node.name
        # BeautifulSoup splits multi-valued attributes ("class") into lists: joined back here.
        self.attrs: dict[str, str | None] = {
            name: " ".join(value) if isinstance(value, list) else value
            for name, value in node.attrs.items()
        }
        self.text = node.get_text()

    def __getitem__(self, name: str) -> str | None:
        return self.attrs[name]

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs} {self.text[:40]!r}>"


def parse_html(html: str | Element) -> list[Element]:
    """Every element of a page (or inside an element), in document order."""
    root = html.node if isinstance(html, Element) else BeautifulSoup(html, "html.parser")
    return [Element(node) for node in root.find_all(True)]


def select(html: str | Element, tag: str, **attrs: str) -> list[Element]:
    """Elements with this tag whose attributes have these values (`class_` checks one class)."""
    wanted_class = attrs.pop("class_", None)
    return [
        e
        for e in parse_html(html)
        if e.tag == tag
        and all(e.get(name.rstrip("_").replace("_", "-")) == value for name, value in attrs.items())
        and (wanted_class is None or wanted_class in e.classes())
    ]


def parent(element: Element, tag: str) -> Element:
    """The nearest enclosing element with this tag."""
    found = element.node.find_parent(tag)
    assert found is not None, f"no <{tag}> around {element}"
    return Element(found)


def text(element: Element) -> str:
    """The element's text with runs of white space made single spaces."""
    return " ".join(element.text.split())
