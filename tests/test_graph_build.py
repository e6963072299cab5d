"""build_graph and graph_stats on small vaults written to disk."""

from __future__ import annotations

import json

import pytest

from vaultkit.core.graph import build_graph, graph_stats, parse_include
from vaultkit.core.vault import load_vault

FILES = {
    "Alpha.md": "# Alpha\n\nSee [[Beta]] and [[beta|B]] and [[Missing]] and [[missing]].\n"
    "![[Beta]]\n#ml #ML/basics\n[[#Alpha]]\n[[Dup]] [[Secret]]\n",
    "Beta.md": '---\naliases: [B, "Be, ta"]\ntags: [pytorch]\n---\n# Beta note\n'
    "[x](sub/Gamma.md)\n![[fig.png]]\n[[Missing]]\n",
    "sub/Gamma.md": "no links here\n",
    "Orphan.md": "lonely\n",
    "a/Dup.md": "one\n",
    "b/Dup.md": "two\n",
    "Hidden/Secret.md": "[[Alpha]]\n",
    "fig.png": b"\x89PNG\r\n",
    ".obsidian/app.json": json.dumps({"userIgnoreFilters": ["Hidden/"]}),
}


@pytest.fixture
def vault(make_vault, monkeypatch, tmp_path):
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))
    return load_vault(make_vault(FILES), use_cache=False)


def test_notes_are_nodes_with_their_attributes(vault):
    graph = build_graph(vault)
    assert set(graph) == {"Alpha", "Beta", "sub/Gamma", "Orphan", "a/Dup", "b/Dup"}
    beta = graph.nodes["Beta"]
    assert beta["kind"] == "note"
    assert beta["title"] == "Beta note"
    assert beta["path"] == "Beta.md"
    assert beta["tags"] == ["pytorch"]
    assert beta["aliases"] == ["B", "Be, ta"]
    assert beta["size"] == len(FILES["Beta.md"].encode())


def test_edges_merge_occurrences_with_count_kinds_and_lines(vault):
    edge = build_graph(vault).edges["Alpha", "Beta"]
    assert edge["count"] == 3
    assert edge["kind"] == "link"  # the first occurrence
    assert edge["kinds"] == ["embed", "link"]
    assert edge["lines"] == [3, 3, 4]  # 1-based


def test_markdown_link_and_heading_self_link(vault):
    graph = build_graph(vault)
    assert graph.edges["Beta", "sub/Gamma"]["kind"] == "markdown"
    assert graph.edges["Alpha", "Alpha"]["lines"] == [6]


def test_a_note_linking_itself_by_heading_and_by_name_has_one_self_edge(make_vault, tmp_path):
    root = make_vault({"Self.md": "# Top\n[[#Top]]\n[[Self#Top]] and ![[self]]\n"}, name="selfish")
    edge = build_graph(load_vault(root, use_cache=False)).edges["Self", "Self"]
    assert (edge["count"], edge["kinds"], edge["lines"]) == (3, ["embed", "link"], [2, 3, 3])


def test_unresolved_targets_only_when_included_and_grouped_ignoring_case(vault):
    assert not any(n.startswith("unresolved:") for n in build_graph(vault))
    graph = build_graph(vault, {"unresolved"})
    missing = [n for n, kind in graph.nodes(data="kind") if kind == "unresolved"]
    assert missing == ["unresolved:Missing"]  # [[Missing]] and [[missing]] are one target
    assert graph.edges["Alpha", "unresolved:Missing"]["count"] == 2
    assert graph.edges["Beta", "unresolved:Missing"]["count"] == 1


def test_ambiguous_target_is_its_own_node_with_candidates(vault):
    graph = build_graph(vault, {"unresolved"})
    node = graph.nodes["ambiguous:Dup"]
    assert node["kind"] == "ambiguous"
    assert node["candidates"] == ["a/Dup.md", "b/Dup.md"]
    assert graph.has_edge("Alpha", "ambiguous:Dup")
    assert not graph.has_edge("Alpha", "a/Dup") and not graph.has_edge("Alpha", "b/Dup")


def test_ignored_notes_are_left_out_unless_asked_for(vault):
    graph = build_graph(vault, {"unresolved"})
    assert "Hidden/Secret" not in graph
    # A link to an ignored note still resolves: it is not an unresolved target.
    assert not any("Secret" in node for node in graph)
    graph = build_graph(vault, {"ignored"})
    assert graph.has_edge("Alpha", "Hidden/Secret")
    assert graph.has_edge("Hidden/Secret", "Alpha")


def test_attachments_and_tags_when_included(vault):
    graph = build_graph(vault, {"attachments", "tags"})
    assert graph.nodes["fig.png"]["kind"] == "attachment"
    assert graph.edges["Beta", "fig.png"]["kind"] == "embed"
    assert graph.nodes["tag:ml/basics"]["title"] == "#ML/basics"
    assert graph.edges["Alpha", "tag:ml"]["kind"] == "tag"
    assert graph.edges["Beta", "tag:pytorch"]["lines"] == [3]  # frontmatter tags list
    assert "fig.png" not in build_graph(vault)


def test_parse_include_rejects_unknown_kinds():
    assert parse_include("tags, Unresolved") == {"tags", "unresolved"}
    with pytest.raises(ValueError, match="'folders'"):
        parse_include("tags,folders")


def test_stats_on_a_hand_built_vault(vault):
    stats = graph_stats(build_graph(vault, {"unresolved", "attachments"}))
    assert stats["notes"] == 6
    # Alpha: Beta x3, Missing x2, self, Dup (Secret is ignored); Beta: Gamma, fig.png, Missing.
    assert stats["links"] == 3 + 2 + 1 + 1 + 3
    assert stats["resolved_links"] == 3 + 1 + 2
    assert stats["unresolved_links"] == 4
    assert [(e["target"], e["links"], e["notes"]) for e in stats["unresolved"]] == [
        ("Missing", 3, 2),
        ("Dup", 1, 1),
    ]
    assert stats["orphans"] == ["Orphan", "a/Dup", "b/Dup"]
    assert stats["top_in_degree"][0] == {"id": "Beta", "title": "Beta note", "in_degree": 1}
    assert [row["id"] for row in stats["top_pagerank"][:1]] == ["sub/Gamma"]
    assert stats["components"] == {"count": 4, "largest": 3, "sizes": [3, 1, 1, 1]}


def test_progress_reports_every_note(vault):
    calls = []
    build_graph(vault, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (6, 6)


def test_stats_count_only_links_to_nodes_in_the_graph(vault):
    stats = graph_stats(build_graph(vault, {"unresolved"}))
    assert stats["links"] == 9  # without attachments, the embed of fig.png is not counted
    assert stats["resolved_links"] == 5


@pytest.mark.parametrize("include", ["", "unresolved,attachments,tags", "unresolved,attachments,tags,ignored"])
def test_edges_filled_in_directly_equal_the_public_networkx_path(vault, include):
    """build_graph fills the DiGraph's adjacency in directly (_add_edges); the
    result must be what add_edges_from makes of the same edges: same edges in
    the same order, same attributes, one shared dict per edge, and a graph that
    networkx's own algorithms and mutations treat as any other."""
    import networkx as nx

    from vaultkit.core import graph as graph_module

    direct = build_graph(vault, parse_include(include))
    original = graph_module._add_edges
    try:
        graph_module._add_edges = lambda graph, edges: graph.add_edges_from(edges)
        public = build_graph(vault, parse_include(include))
    finally:
        graph_module._add_edges = original
    assert list(direct.edges(data=True)) == list(public.edges(data=True))
    assert list(direct.in_edges(data=True)) == list(public.in_edges(data=True))
    assert list(direct.nodes(data=True)) == list(public.nodes(data=True))
    assert direct.number_of_edges() == public.number_of_edges() > 0
    for u, v in direct.edges:
        assert direct.succ[u][v] is direct.pred[v][u]
    assert nx.pagerank(direct) == nx.pagerank(public)
    direct.remove_node("Beta")  # mutations keep both directions consistent
    public.remove_node("Beta")
    assert list(direct.edges(data=True)) == list(public.edges(data=True))


def test_repeated_or_dangling_edges_fall_back_to_add_edges_from():
    import networkx as nx

    from vaultkit.core.graph import _add_edges

    graph = nx.DiGraph()
    graph.add_nodes_from(["a", "b"])
    _add_edges(graph, [("a", "b", {"count": 1}), ("a", "b", {"lines": [2]}), ("b", "c", {"count": 3})])
    assert graph.edges["a", "b"] == {"count": 1, "lines": [2]}  # merged, as networkx merges
    assert graph.edges["b", "c"] == {"count": 3} and "c" in graph  # a new endpoint becomes a node
    assert graph.pred["b"]["a"] is graph.succ["a"]["b"]
