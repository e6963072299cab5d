"""One self-contained interactive HTML page: works offline from ``file://``.

The page inlines its own CSS and JavaScript (``assets/``; a small
force-directed layout on <canvas>, no library, nothing fetched) and embeds the
graph as JSON in ``<script type="application/json">``.  Every ``<`` in that
JSON is written ``\\u003c``, so no note title can close the script element.
After each draw the page sets ``data-rendered-nodes`` on <body> (nodes drawn on
screen) and ``data-layout="done"`` when the layout has settled; the headless
Chromium test reads those.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from typing import TextIO

import networkx as nx

_KINDS = ("note", "unresolved", "ambiguous", "attachment", "tag")
_EDGE_KINDS = ("link", "embed", "markdown", "tag")
_PLACEHOLDER = re.compile(r"__TITLE__|/\*__CSS__\*/|/\*__JS__\*/|__DATA__")


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def page_data(graph: nx.DiGraph, title: str) -> dict:
    """The compact structure the page's script reads (column arrays, flat edges)."""
    index = {node: i for i, node in enumerate(graph.nodes)}
    kinds = list(_KINDS)
    columns: dict[str, list] = {"id": [], "title": [], "kind": [], "path": [], "tags": []}
    for node, attrs in graph.nodes(data=True):
        kind = attrs.get("kind", "note")
        if kind not in kinds:
            kinds.append(kind)
        columns["id"].append(str(node))
        columns["title"].append(str(attrs.get("title") or node))
        columns["kind"].append(kinds.index(kind))
        columns["path"].append(attrs.get("path", ""))
        columns["tags"].append(list(attrs.get("tags", ())))
    edge_kinds = list(_EDGE_KINDS)
    edges: list[int] = []
    for u, v, attrs in graph.edges(data=True):
        kind = attrs.get("kind", "link")
        if kind not in edge_kinds:
            edge_kinds.append(kind)
        edges += (index[u], index[v], int(attrs.get("count", 1)), edge_kinds.index(kind))
    return {"title": title, "kinds": kinds, "edgeKinds": edge_kinds, "nodes": columns, "edges": edges}


def render(graph: nx.DiGraph, title: str = "Vault graph") -> str:
    payload = json.dumps(page_data(graph, title), ensure_ascii=False, separators=(",", ":"))
    payload = payload.replace("<", "\\u003c")
    values = {
        "__TITLE__": html.escape(title),
        "/*__CSS__*/": _asset("graph.css"),
        "/*__JS__*/": _asset("graph.js"),
        "__DATA__": payload,
    }
    # One pass over the template: inserted text is never scanned for placeholders.
    return _PLACEHOLDER.sub(lambda match: values[match.group(0)], _asset("graph.html"))


def write(graph: nx.DiGraph, out: TextIO, title: str | None = None) -> None:
    out.write(render(graph, title or graph.graph.get("name") or "Vault graph"))
