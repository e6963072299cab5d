"""`vaultkit graph vault-sample` in every format: what a user would open or load."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from seeds import REPO

SAMPLE_VAULT = REPO / "vault-sample"

HUB = "Deep Learning/torch-module-flashcards"


@pytest.mark.parametrize("fmt", ["json", "graphml", "gexf", "dot", "mermaid", "html"])
def test_graph_of_vault_sample(cli, tmp_path, fmt, vault_fingerprint):
    before = vault_fingerprint(SAMPLE_VAULT)
    out = tmp_path / f"graph.{fmt}"
    result = cli(["graph", SAMPLE_VAULT, "--format", fmt, "-o", out])
    assert result.code == 0, result.err
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        data = json.loads(text)
        ids = {n["id"] for n in data["nodes"]}
        assert HUB in ids and "PyTorch/Torch Module" in ids
        assert any(n["id"].startswith("unresolved:") and "Feed Forward Layer" in n["id"] for n in data["nodes"])
        assert any(l["source"] == HUB and l["target"] == "PyTorch/Torch Module" for l in data["links"])
    elif fmt in ("graphml", "gexf"):
        graph = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
        assert HUB in graph and graph.has_edge(HUB, "PyTorch/Torch Module")
    elif fmt == "dot":
        assert text.lstrip().startswith("digraph") and '"PyTorch/Torch Module"' in text
    elif fmt == "mermaid":
        assert text.lstrip().startswith("graph LR") and "Torch Module" in text
    else:
        assert "<canvas" in text or "<svg" in text
        assert "torch-module-flashcards" in text and "http://" not in text.replace("http://www.w3.org", "")
    assert vault_fingerprint(SAMPLE_VAULT) == before
