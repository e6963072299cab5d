"""``vaultkit graph`` as a user runs it: exit codes, messages, --stats, --include."""

from __future__ import annotations

import pytest

FILES = {
    "Hub.md": "[[A]] [[B]] [[Nowhere]]\n",
    "A.md": "[[Hub]] [[Nowhere]] [[nowhere]]\n",
    "B.md": "[[Hub]] [[Elsewhere]]\n",
    "Alone.md": "nothing\n",
}


@pytest.fixture
def vault(make_vault):
    return make_vault(FILES)


def test_missing_vault_path_is_a_usage_error(cli, tmp_path):
    result = cli(["graph", tmp_path / "no-such-vault"])
    assert result.code == 2
    assert "no-such-vault: no such folder" in result.err
    assert "Traceback" not in result.err
    assert result.out == ""


def test_a_file_instead_of_a_folder_is_a_usage_error(cli, vault):
    result = cli(["graph", vault / "Hub.md"])
    assert result.code == 2
    assert "not a folder" in result.err


def test_unknown_include_kind_is_a_usage_error(cli, vault):
    result = cli(["graph", vault, "--include", "tags,folders"])
    assert result.code == 2
    assert "'folders'" in result.err and "unresolved, attachments, tags" in result.err


def test_unknown_format_is_a_usage_error(cli, vault):
    result = cli(["graph", vault, "--format", "png"])
    assert result.code == 2
    assert "invalid choice: 'png'" in result.err


def test_stats_cannot_be_written_as_graphml(cli, vault):
    result = cli(["graph", vault, "--stats", "--format", "graphml"])
    assert result.code == 2
    assert "--stats" in result.err


def test_unwritable_output_is_a_usage_error(cli, vault, tmp_path):
    result = cli(["graph", vault, "-o", tmp_path / "missing-dir" / "g.json"])
    assert result.code == 2
    assert "cannot write" in result.err and "g.json" in result.err


def test_default_is_json_with_unresolved_targets(cli, vault):
    result = cli(["graph", vault])
    assert result.code == 0, result.err
    ids = {node["id"] for node in result.json()["nodes"]}
    assert ids == {"Hub", "A", "B", "Alone", "unresolved:Nowhere", "unresolved:Elsewhere"}


def test_include_none_gives_notes_only(cli, vault):
    result = cli(["graph", vault, "--include", "none"])
    assert {node["id"] for node in result.json()["nodes"]} == {"Hub", "A", "B", "Alone"}


def test_stats_json(cli, vault):
    result = cli(["graph", vault, "--stats", "--format", "json"])
    assert result.code == 0, result.err
    stats = result.json()
    assert stats["notes"] == 4
    assert stats["links"] == 8
    assert [(e["target"], e["links"]) for e in stats["unresolved"]] == [("Nowhere", 3), ("Elsewhere", 1)]
    assert stats["orphans"] == ["Alone"]
    assert stats["top_in_degree"][0]["id"] == "Hub"
    assert stats["top_pagerank"][0]["id"] == "Hub"
    assert stats["components"]["count"] == 2


def test_stats_table(cli, vault):
    result = cli(["graph", vault, "--stats"])
    assert result.code == 0, result.err
    out = result.out
    assert "Unresolved targets" in out and "Nowhere" in out
    assert "Orphans" in out and "Alone" in out
    assert "PageRank" in out and "Hub" in out
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in out.splitlines() if line.count("│") == 3}
    assert rows["Notes"] == "4" and rows["Links"] == "8" and rows["Orphan notes"] == "1"


def test_stats_without_scipy_say_what_to_install(cli, vault, monkeypatch):
    import networkx as nx

    def pagerank(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'scipy'", name="scipy")

    monkeypatch.setattr(nx, "pagerank", pagerank)
    result = cli(["graph", vault, "--stats"])
    assert result.code == 2
    assert "PageRank needs scipy" in result.err and "pip install scipy" in result.err
    assert "Traceback" not in result.err


def test_no_progress_bar_when_stderr_is_not_a_terminal(cli, vault):
    result = cli(["graph", vault, "-f", "mermaid"])
    assert result.code == 0
    assert result.err == ""


def test_unreadable_note_is_reported_not_fatal(cli, make_vault):
    vault = make_vault({"Good.md": "[[Bad]]\n", "Bad.md": b"\xff\xfe\x00binary\x00\x00"})
    result = cli(["graph", vault])
    assert result.code == 0
    assert "Bad.md" in result.err and "UTF-16" in result.err  # located: which file, and why
    assert "Good" in {node["id"] for node in result.json()["nodes"]}
