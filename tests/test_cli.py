"""The `orbite` command line contract: options, JSON output, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.index.store import IndexStore
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from web.cli import main
from web.urls import search_with_urls


def orbite(capsys, *args: str) -> tuple[int, str, str]:
    """Run `orbite ARGS`; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.fixture
def paths(seed_corpus: Path, index_dir: Path) -> list[str]:
    return ["--corpus", str(seed_corpus), "--index", str(index_dir)]


def test_index_json_prints_exactly_one_summary_object(capsys, paths) -> None:
    code, out, _ = orbite(capsys, "index", "--json", *paths)
    assert code == 0
    assert json.loads(out) == {
        "added": 5,
        "updated": 0,
        "removed": 0,
        "unchanged": 0,
        "skipped": [],
    }
    code, out, _ = orbite(capsys, "index", "--json", *paths)
    assert json.loads(out)["unchanged"] == 5


def test_index_without_json_prints_a_summary_line(capsys, paths) -> None:
    code, out, err = orbite(capsys, "index", *paths)
    assert code == 0
    assert out.startswith("5 ajoutés, 0 mis à jour, 0 supprimés, 0 inchangés, 0 ignorés")
    assert err == ""  # no progress bar when stderr is not a terminal


def test_index_full_rebuilds(capsys, paths) -> None:
    orbite(capsys, "index", *paths)
    code, out, _ = orbite(capsys, "index", "--full", "--json", *paths)
    assert (code, json.loads(out)["added"]) == (0, 5)


def test_index_after_a_gazetteer_edit_counts_the_releases_it_rewrote(
    capsys, paths, seed_corpus
) -> None:
    orbite(capsys, "index", *paths)
    (seed_corpus / "gazetteer.yaml").write_text(
        "missions:\n  - name: Forum ISEF\n    aliases: [ISEF2]\n", "utf-8"
    )
    code, out, _ = orbite(capsys, "index", "--json", *paths)
    assert (code, json.loads(out)) == (
        0,
        {"added": 0, "updated": 1, "removed": 0, "unchanged": 4, "skipped": []},
    )
    _, out, _ = orbite(capsys, "search", "--mission", "isef2", "--json", *paths)
    assert [r["id"] for r in json.loads(out)["results"]] == ["002_124b9746335e340f"]


def test_a_bad_gazetteer_is_one_line_and_exit_2(capsys, paths, seed_corpus) -> None:
    orbite(capsys, "index", *paths)
    (seed_corpus / "gazetteer.yaml").write_text("missions: [", "utf-8")
    code, out, err = orbite(capsys, "index", "--json", *paths)
    assert (code, out) == (2, "")
    assert err.startswith(f"orbite: error: {seed_corpus / 'gazetteer.yaml'}: invalid YAML")
    assert len(err.strip().splitlines()) == 1


def test_environment_variables_choose_the_folders(capsys, seed_corpus, index_dir, monkeypatch):
    monkeypatch.setenv("ORBITE_CORPUS", str(seed_corpus))
    monkeypatch.setenv("ORBITE_INDEX", str(index_dir))
    code, _, _ = orbite(capsys, "index")
    assert code == 0
    assert IndexStore(index_dir).exists()


def test_search_json_is_the_search_response(capsys, paths, seed_corpus, index_dir) -> None:
    orbite(capsys, "index", *paths)
    code, out, _ = orbite(capsys, "search", "Roscosmos", "--agency", "CNES", "--json", *paths)
    assert code == 0
    response = json.loads(out)
    expected = search_with_urls(
        search(
            SearchIndex(IndexStore(index_dir), seed_corpus),
            parse_request("Roscosmos", agency=["CNES"]),
        )
    )
    for item in (response, expected):
        item.pop("took_ms")
    assert response == expected


def test_agency_and_mission_options_accept_aliases(capsys, paths) -> None:
    _, by_name, _ = orbite(capsys, "search", "--agency", "ESA", "--json", *paths)
    _, by_alias, _ = orbite(
        capsys, "search", "--agency", "Agence spatiale européenne", "--json", *paths
    )
    assert json.loads(by_alias)["total"] == 1
    assert json.loads(by_alias)["results"] == json.loads(by_name)["results"]
    _, by_alias, _ = orbite(capsys, "search", "--mission", "yutu-2", "--json", *paths)
    (found,) = json.loads(by_alias)["results"]
    assert "Yutu 2" in found["missions"]


@pytest.mark.parametrize("output", ["csv", "jsonl"])
@pytest.mark.parametrize(
    ("words", "options", "query_string"),
    [
        (["coopération"], ["--sort", "date"], "q=coop%C3%A9ration&sort=date"),
        ([], ["--agency", "Agence spatiale russe"], "agency=Roscosmos"),
        (["lune"], ["--page", "2", "--per-page", "1"], "q=lune"),
    ],
)
def test_format_csv_and_jsonl_write_the_api_export(
    capsysbinary, make_app, seed_corpus, paths, output, words, options, query_string
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["search", *words, *options, "--format", output, *paths])
    out, _ = capsysbinary.readouterr()
    assert exit_info.value.code == 0
    exported = make_app(seed_corpus).test_client().get(f"/api/search.{output}?{query_string}")
    assert out == exported.data
    assert out.count(b"\n") == int(exported.headers["X-Total-Count"]) + (output == "csv")


def test_an_export_beyond_its_limit_says_so_on_stderr(capsys, paths, monkeypatch) -> None:
    monkeypatch.setattr("indexer.search.searching.MAX_EXPORT", 2)
    code, out, err = orbite(capsys, "search", "--format", "jsonl", *paths)
    assert (code, len(out.splitlines())) == (0, 2)
    assert "5 résultats : les 2 premiers sont exportés." in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--json", "--format", "csv"], "--json is --format json"),
        (["--format", "xlsx"], "xlsx"),
    ],
)
def test_conflicting_or_unknown_formats_exit_2(capsys, paths, options, message) -> None:
    code, out, err = orbite(capsys, "search", "lune", *options, *paths)
    assert (code, out) == (2, "")
    assert message in err and len(err.strip().splitlines()) == 1


def test_json_and_format_json_are_the_same(capsys, paths) -> None:
    _, by_flag, _ = orbite(capsys, "search", "lune", "--json", *paths)
    _, by_format, _ = orbite(capsys, "search", "lune", "--format", "json", "--json", *paths)
    for out in (by_flag, by_format):
        assert json.loads(out)["total"] == 2
    assert json.loads(by_flag)["results"] == json.loads(by_format)["results"]


def test_search_builds_a_missing_index_first(capsys, paths) -> None:
    code, out, err = orbite(capsys, "search", "--json", *paths)
    assert code == 0
    assert json.loads(out)["total"] == 5
    assert "indexing" in err


def test_search_prints_a_readable_list(capsys, paths) -> None:
    code, out, _ = orbite(capsys, "search", "Roscosmos", "--sort", "-date", *paths)
    assert code == 0
    assert out.splitlines()[0].startswith("2 résultats")
    assert "27 août 2019" in out
    assert "/releases/003_e925e52a700168fa" in out


@pytest.mark.parametrize(
    "options",
    [
        ["--from", "hier"],
        ["--to", "2020-02-30"],
        ["--per-page", "101"],
        ["--page", "0"],
        ["--page", "abc"],
        ["--sort", "sideways"],
        ["--year", "deux-mille"],
        ["--bogus"],
    ],
)
def test_bad_options_exit_2_with_one_line(capsys, paths, options) -> None:
    code, out, err = orbite(capsys, "search", "lune", *options, *paths)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_corpus_is_a_clean_error(capsys, tmp_path) -> None:
    code, _, err = orbite(capsys, "index", "--corpus", str(tmp_path / "nope"))
    assert code == 2
    assert err.strip() == f"orbite: error: corpus folder not found: {tmp_path / 'nope'}"


def test_search_completes_the_last_word_like_the_api(capsys, paths) -> None:
    code, out, _ = orbite(capsys, "search", "Roscos", "--json", *paths)
    assert code == 0
    assert json.loads(out)["total"] == 2
    code, out, _ = orbite(capsys, "search", "Roscos ", "--json", *paths)  # a complete word
    assert json.loads(out)["total"] == 0


def test_search_help_gives_the_export_cap(capsys, monkeypatch) -> None:
    monkeypatch.setattr("indexer.search.searching.MAX_EXPORT", 1234)
    code, out, _ = orbite(capsys, "search", "--help")
    assert code == 0
    assert "up to 1,234, as /api/search.csv" in " ".join(out.split())
