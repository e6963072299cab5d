"""Every ``vaultkit graph --format`` from a small vault, read back the way a user's tool would."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

# Titles (first H1) may hold anything; file names only what Obsidian allows.
FILES = {
    "Alpha.md": '# Alpha & "friends" <b>\n[[Beta]] [[Beta]] ![[Beta]] [[Missing note]]\n#ml\n',
    "Beta.md": '---\naliases: ["Be, ta", "B"]\ntags: [pytorch, ml/basics]\n---\n[[end]]\n',
    "end.md": "# end\n[[Alpha]]\n",
    "Ünïcode 日本語.md": "[[Alpha]] [x](Beta.md)\n",
    "weird\x0bchar.md": "# bad\x0btitle\n",
    "fig.png": b"PNG",
}


@pytest.fixture
def vault(make_vault):
    return make_vault(FILES)


def _export(cli, vault, fmt, tmp_path, *extra):
    out = tmp_path / f"graph.{fmt}"
    result = cli(["graph", vault, "--format", fmt, "-o", out, *extra])
    assert result.code == 0, result.err
    return out


def test_json_is_d3_node_link_with_attributes(cli, vault):
    result = cli(["graph", vault, "--format", "json"])
    assert result.code == 0, result.err
    data = result.json()
    nodes = {node["id"]: node for node in data["nodes"]}
    assert nodes["Alpha"]["title"] == 'Alpha & "friends" <b>'
    assert nodes["Beta"]["tags"] == ["pytorch", "ml/basics"]
    assert nodes["Beta"]["aliases"] == ["Be, ta", "B"]
    assert nodes["unresolved:Missing note"]["kind"] == "unresolved"
    links = {(link["source"], link["target"]): link for link in data["links"]}
    assert links["Alpha", "Beta"]["count"] == 3
    assert links["Alpha", "Beta"]["lines"] == [2, 2, 2]
    assert links["Ünïcode 日本語", "Beta"]["kind"] == "markdown"
    # Every link endpoint is a node id, as d3.forceLink(...).id(d => d.id) needs.
    assert all(link["source"] in nodes and link["target"] in nodes for link in data["links"])
    # networkx reads the same document back.
    graph = nx.node_link_graph(data, edges="links")
    assert graph.edges["Alpha", "Beta"]["kinds"] == ["embed", "link"]



@pytest.mark.parametrize("encoder", ["orjson", "stdlib"])
def test_json_bytes_do_not_depend_on_the_encoder(vault, tmp_path, monkeypatch, encoder):
    """orjson is only a speed-up: both encoders write the same bytes, to a file or
    to a text stream, and a name orjson refuses (a lone surrogate) still exports."""
    import io

    from vaultkit.core.graph import build_graph
    from vaultkit.core.vault import load_vault
    from vaultkit.export import json as json_export

    if encoder == "stdlib":
        monkeypatch.setattr(json_export, "orjson", None)
    elif json_export.orjson is None:
        pytest.skip("orjson is not installed")
    graph = build_graph(load_vault(vault, use_cache=False), {"unresolved", "attachments", "tags"})
    expected = json.dumps(json_export.node_link(graph), ensure_ascii=False, separators=(",", ":")) + "\n"
    with open(tmp_path / "g.json", "w", encoding="utf-8", newline="\n") as out:
        json_export.write(graph, out)
    assert (tmp_path / "g.json").read_bytes() == expected.encode("utf-8")
    stream = io.StringIO()
    json_export.write(graph, stream)
    assert stream.getvalue() == expected

    graph.add_node("unresolved:bad\udcff", kind="unresolved", title="bad\udcff")
    stream = io.StringIO()
    json_export.write(graph, stream)
    assert json.loads(stream.getvalue())["nodes"][-1]["title"] == "bad\udcff"

def test_graphml_reads_back_with_attributes_intact(cli, vault, tmp_path):
    path = _export(cli, vault, "graphml", tmp_path, "--include", "unresolved,attachments,tags")
    graph = nx.read_graphml(path)
    assert graph.is_directed()
    assert graph.nodes["Alpha"]["title"] == 'Alpha & "friends" <b>'
    assert json.loads(graph.nodes["Beta"]["aliases"]) == ["Be, ta", "B"]
    assert json.loads(graph.nodes["Beta"]["tags"]) == ["pytorch", "ml/basics"]
    assert graph.nodes["Beta"]["size"] == len(FILES["Beta.md"].encode())
    assert graph.nodes["fig.png"]["kind"] == "attachment"
    assert graph.nodes["tag:ml/basics"]["kind"] == "tag"
    edge = graph.edges["Alpha", "Beta"]
    assert edge["count"] == 3 and json.loads(edge["lines"]) == [2, 2, 2]
    # The vertical tab XML cannot carry is dropped, the rest of the title kept.
    assert graph.nodes["weird\x0bchar".replace("\x0b", "")]["title"] == "badtitle"


def test_gexf_reads_back_with_attributes_intact(cli, vault, tmp_path):
    path = _export(cli, vault, "gexf", tmp_path)
    graph = nx.read_gexf(path)
    assert graph.is_directed()
    assert graph.nodes["Alpha"]["label"] == 'Alpha & "friends" <b>'
    assert json.loads(graph.nodes["Beta"]["tags"]) == ["pytorch", "ml/basics"]
    assert graph.nodes["unresolved:Missing note"]["kind"] == "unresolved"
    edge = graph.edges["Alpha", "Beta"]
    assert edge["count"] == 3 and edge["weight"] == 3
    assert json.loads(edge["kinds"]) == ["embed", "link"]


def _strict_dot_check(text: str) -> None:
    """Without Graphviz: every statement is a quoted node or edge with [attrs]."""
    quoted = r'"(?:[^"\\]|\\.)*"'
    statement = re.compile(rf"^  {quoted}( -> {quoted})? \[.*\];$")
    lines = text.splitlines()
    assert lines[0] == "digraph vault {" and lines[-1] == "}"
    for line in lines[2:-1]:
        assert statement.match(line), line


def test_dot_is_valid_graphviz(cli, vault, tmp_path):
    path = _export(cli, vault, "dot", tmp_path, "--include", "unresolved,tags")
    text = path.read_text(encoding="utf-8")
    _strict_dot_check(text)
    assert '"Alpha" -> "Beta"' in text
    assert 'label="Alpha & \\"friends\\" <b>"' in text
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed; checked the syntax with a strict parser only")
    svg = subprocess.run(["dot", "-Tsvg", str(path)], capture_output=True, text=True, timeout=60)
    assert svg.returncode == 0, svg.stderr
    assert svg.stderr == ""
    root = ET.fromstring(svg.stdout)
    titles = [el.text for el in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "Alpha" in titles and "Alpha->Beta" in titles


def test_mermaid_is_a_graph_lr_with_safe_ids_and_labels(cli, vault):
    result = cli(["graph", vault, "--format", "mermaid"])
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "graph LR"
    node = re.compile(r'^  (n\d+)\["([^"]*)"\]$')
    edge = re.compile(r"^  (n\d+) (-->|==>|-\.->)(\|\d+\|)? (n\d+)$")
    labels = {}
    for line in lines[1:]:
        if line.startswith("  classDef ") or line.startswith("  class "):
            continue
        match = node.match(line)
        if match:
            labels[match.group(1)] = match.group(2)
            continue
        match = edge.match(line)
        assert match, f"not a Mermaid node or edge: {line!r}"
        assert match.group(1) in labels and match.group(4) in labels
    assert "Alpha &amp; #quot;friends#quot; #lt;b#gt;" not in labels.values()
    assert "Alpha & #quot;friends#quot; #lt;b#gt;" in labels.values()
    assert "end" in labels.values()  # a keyword as a label, never as an id
    assert any(line.startswith("  class ") and line.endswith(" unresolved") for line in lines)


def test_output_file_is_utf8_and_vault_is_untouched(cli, vault, tmp_path, vault_fingerprint):
    before = vault_fingerprint(vault)
    for fmt in ("json", "graphml", "gexf", "dot", "mermaid", "html"):
        path = _export(cli, vault, fmt, tmp_path)
        assert "日本語" in path.read_bytes().decode("utf-8")
    assert vault_fingerprint(vault) == before
