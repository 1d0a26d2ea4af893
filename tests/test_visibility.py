"""Releases under embargo do not exist for the public until their hour, then appear by themselves.

One corpus, one clock the tests move: a secret word ("Zéphyrine", also a mission name and the
only 2031 release) is looked for on every surface before the embargo ends and at its hour,
on the same app, with no reindex in between.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from indexer.index.indexing import update_index
from indexer.search.request import parse_request
from indexer.search.searching import search
from tests.fixtures_web import ADMIN_TOKEN
from web.cli import main

EMBARGO = dt.datetime(2031, 4, 14, 10, tzinfo=dt.timezone(dt.timedelta(hours=2)))
SECRET = "secret"
FILES = {
    f"{SECRET}.txt": (
        "SOUS EMBARGO JUSQU'AU 14 AVRIL 2031 À 10H00\n\n"
        "Paris, le 10 avril 2031\n\n"
        "Le CNES dévoile la mission Zéphyrine\n\n"
        "Le CNES et l'ESA présentent la mission Zéphyrine, un satellite d'observation des "
        "océans et du climat, lancé depuis Kourou.\n"
    ),
    "public.txt": (
        "12 mars 2030\n\nLe CNES lance un satellite pour les océans\n\n"
        "Le CNES présente un satellite d'observation des océans et du climat, lancé depuis "
        "Kourou avec l'ESA.\n"
    ),
    "other.txt": (
        "5 juin 2029\n\nLa Lune vue par le CNES\n\nLe CNES étudie la Lune avec un satellite.\n"
    ),
}
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class Clock:
    """A clock tests move by hand: POSIX seconds, starting a minute before the embargo ends."""

    def __init__(self) -> None:
        self.now = EMBARGO.timestamp() - 60

    def __call__(self) -> float:
        return self.now

    def reach_the_embargo(self) -> None:
        self.now = EMBARGO.timestamp()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(make_corpus, make_app, clock: Clock) -> FlaskClient:
    return make_app(make_corpus(FILES), ORBITE_CLOCK=clock).test_client()


def _json(client: FlaskClient, url: str, **kwargs) -> dict:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    return response.get_json()


def _status(client: FlaskClient, url: str) -> int:
    """The status of a response, closed at once (a download holds its file open until then)."""
    response = client.get(url)
    response.close()
    return response.status_code


def _text(client: FlaskClient, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _ids(client: FlaskClient, url: str) -> list[str]:
    return [r["id"] for r in _json(client, url)["results"]]


# Each surface, and how it shows the secret release once visible.
SURFACES: dict[str, Callable[[FlaskClient], bool]] = {
    "search": lambda c: SECRET in _ids(c, "/api/search?q=Zéphyrine"),
    "prefix search": lambda c: SECRET in _ids(c, "/api/search?q=CNES zéphy"),
    "suggestions": lambda c: any(
        s["text"] == "Zéphyrine" for s in _json(c, "/api/suggest?q=zéph")["suggestions"]
    ),
    "CSV export": lambda c: "Zéphyrine" in _text(c, "/api/search.csv?q=CNES"),
    "JSON Lines export": lambda c: "Zéphyrine" in _text(c, "/api/search.jsonl"),
    "mission page": lambda c: _status(c, "/missions/Zéphyrine") == 200,
    "mission API": lambda c: _status(c, "/api/missions/Zéphyrine") == 200,
    "agency page": lambda c: "Zéphyrine" in _text(c, "/agences/CNES"),
    "agency API": lambda c: (
        "Zéphyrine" in json.dumps(_json(c, "/api/agencies/ESA"), ensure_ascii=False)
    ),
    "search page": lambda c: (
        f'href="/releases/{SECRET}' in c.get("/?q=CNES").get_data(as_text=True)
    ),
    "totals": lambda c: _json(c, "/api/search?q=CNES")["total"] == 3,
    "facets": lambda c: any(
        v["value"] == "Zéphyrine" for v in _json(c, "/api/search?q=CNES")["facets"]["mission"]
    ),
    "timeline": lambda c: "2031 : 1 communiqué" in c.get("/").get_data(as_text=True),
    "health": lambda c: _json(c, "/api/health")["documents"] == 3,
    "page": lambda c: c.get(f"/releases/{SECRET}").status_code == 200,
    "source": lambda c: _status(c, f"/releases/{SECRET}/source") == 200,
    "API": lambda c: c.get(f"/api/releases/{SECRET}").status_code == 200,
    "similar": lambda c: SECRET in [s["id"] for s in _json(c, "/api/releases/public")["similar"]],
    "Atom": lambda c: "Zéphyrine" in c.get("/feed.atom").get_data(as_text=True),
    "did you mean": lambda c: _json(c, "/api/search?q=Zephyrone")["suggestion"] == "zéphyrine",
}


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_hidden_until_its_hour_then_shown(client: FlaskClient, clock: Clock, surface: str):
    shows = SURFACES[surface]
    assert not shows(client)
    clock.reach_the_embargo()
    assert shows(client)


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("/api/releases/{}", SECRET),
        ("/releases/{}", SECRET),
        ("/releases/{}/source", SECRET),
        ("/missions/{}", "Zéphyrine"),  # a mission only a release under embargo names
        ("/api/missions/{}", "Zéphyrine"),
    ],
)
def test_what_is_under_embargo_answers_exactly_as_the_unknown(
    client: FlaskClient, url: str, secret: str
) -> None:
    hidden, unknown = client.get(url.format(secret)), client.get(url.format("nothing"))
    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.get_data(as_text=True).replace(secret, "nothing") == unknown.get_data(
        as_text=True
    )


def test_the_secret_word_is_as_unknown_as_a_word_nobody_wrote(client: FlaskClient) -> None:
    secret, unheard = (_json(client, f"/api/search?q={q}") for q in ("Zéphyrine", "Xylophonique"))
    for response in (secret, unheard):
        del response["query"], response["took_ms"]
    assert secret == unheard


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/api/search?q=CNES&include_embargoed=1", {}),
        ("/api/search?q=CNES&include_embargoed=1", {"Authorization": "Bearer wrong"}),
        ("/api/search?q=CNES&include_embargoed=1", {"Authorization": ADMIN_TOKEN}),
        ("/api/search?q=CNES&include_embargoed=yes", AUTH),
    ],
)
def test_the_parameter_without_the_token_changes_nothing(
    client: FlaskClient, url: str, headers: dict[str, str]
) -> None:
    plain = _json(client, "/api/search?q=CNES")
    asked = _json(client, url, headers=headers)
    del plain["took_ms"], asked["took_ms"]
    assert asked == plain
    assert client.get(f"/api/releases/{SECRET}?include_embargoed=1").status_code == 404


def test_the_press_office_sees_releases_under_embargo(client: FlaskClient) -> None:
    response = _json(client, "/api/search?q=Zéphyrine&include_embargoed=1", headers=AUTH)
    (result,) = response["results"]
    assert (result["id"], result["embargo"]) == (SECRET, "2031-04-14T10:00:00+02:00")
    assert _json(client, "/api/search?q=CNES&include_embargoed=1", headers=AUTH)["total"] == 3
    detail = _json(client, f"/api/releases/{SECRET}?include_embargoed=1", headers=AUTH)
    assert (detail["title"], detail["date"]) == (
        "Le CNES dévoile la mission Zéphyrine",
        "2031-04-10",
    )
    export = _text(client, "/api/search.csv?q=Zéphyrine&include_embargoed=1", headers=AUTH)
    assert ",2031-04-14T10:00:00+02:00," in export
    # ...and only where asked: the token alone shows the public view.
    assert SECRET not in _ids(client, "/api/search?q=Zéphyrine")
    assert client.get(f"/api/releases/{SECRET}", headers=AUTH).status_code == 404


def test_visibility_is_built_once_per_state(make_corpus, open_index, clock: Clock) -> None:
    index = open_index(make_corpus(FILES))
    index.clock = clock
    snapshot = index.snapshot()
    before = index.visibility(snapshot)
    assert index.visibility(snapshot) is before
    assert len(before) == 2 and snapshot.docnums[SECRET] not in before
    assert not before.has_word("exact", "zéphyrine") and before.has_word("exact", "lune")
    clock.reach_the_embargo()
    after = index.visibility(snapshot)
    assert after.key != before.key
    assert after.key == index.visibility(snapshot, include_embargoed=True).key
    assert len(after) == 3 and after.has_word("exact", "zéphyrine")


def _far_future(files: dict[str, str]) -> dict[str, str]:
    """The corpus with its embargo moved to 2099, for commands that read the system clock."""
    return {name: re.sub(r"2031 À", "2099 À", text) for name, text in files.items()}


def test_the_command_line_hides_them_unless_asked(capsys, make_corpus, index_dir: Path) -> None:
    paths = ["--corpus", str(make_corpus(_far_future(FILES))), "--index", str(index_dir)]

    def ids(*options: str) -> list[str]:
        with pytest.raises(SystemExit):
            main(["search", "Zéphyrine", "--json", *options, *paths])
        return [r["id"] for r in json.loads(capsys.readouterr().out)["results"]]

    assert ids() == []
    assert ids("--include-embargoed") == [SECRET]
    for options, shown in (((), False), (("--include-embargoed",), True)):
        with pytest.raises(SystemExit):
            main(["search", "CNES", "--format", "csv", *options, *paths])
        assert ("Zéphyrine" in capsys.readouterr().out) is shown
    with pytest.raises(SystemExit):
        main(["search", "Zéphyrine", "--include-embargoed", *paths])
    assert "sous embargo jusqu'au 2099-04-14T10:00:00+02:00" in capsys.readouterr().out


def test_an_embargo_added_to_an_indexed_release_hides_it(
    make_corpus, open_index, clock: Clock
) -> None:
    fillers = {f"filler-{n}.txt": f"Note {n}\n\nLe CNES publie la note {n}." for n in range(10)}
    corpus = make_corpus({**FILES, **fillers})
    index = open_index(corpus)
    index.clock = clock
    clock.reach_the_embargo()
    assert search(index, parse_request("Lune"))["total"] == 1
    other = corpus / "other.txt"
    other.write_text("Embargo : 01/01/2040 08:00\n\n" + other.read_text(encoding="utf-8"))
    update_index(corpus, index.store)  # one file of 13: the next snapshot derives from this one
    assert search(index, parse_request("Lune"))["total"] == 0
    assert len(index.visibility(index.snapshot())) == 12
