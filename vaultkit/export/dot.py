"""Graphviz DOT: ``dot -Tsvg graph.dot > graph.svg``.

Node ids are the graph ids, quoted; the label is the title.  Unresolved and
ambiguous targets are dashed and grey, embeds bold, tag edges dotted.  The
vaultkit attributes (kind, path, count, lines, ...) ride along as extra
attributes, which Graphviz keeps and ignores.
"""

from __future__ import annotations

import re
from typing import TextIO

import networkx as nx

_NODE_STYLE = {
    "note": 'shape=box, style="rounded"',
    "unresolved": 'shape=box, style="rounded,dashed", color="gray50", fontcolor="gray40"',
    "ambiguous": 'shape=box, style="rounded,dashed", color="darkorange", fontcolor="darkorange3"',
    "attachment": 'shape=note, color="steelblue"',
    "tag": 'shape=ellipse, color="seagreen", fontcolor="seagreen"',
}
_EDGE_STYLE = {"embed": "style=bold", "tag": 'style=dotted, color="seagreen"'}


_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")


def quote(text: object) -> str:
    """A DOT double-quoted string (backslashes doubled so labels show them as
    written; line breaks as ``\\n``; other control characters dropped)."""
    value = _CONTROL.sub("", str(text).replace("\\", "\\\\").replace('"', '\\"'))
    return '"' + value.replace("\n", "\\n") + '"'


def _attr_value(value: object) -> str:
    if isinstance(value, (list, tuple)):
        value = ",".join(str(item) for item in value)
    return quote(value)


def write(graph: nx.DiGraph, out: TextIO) -> None:
    out.write("digraph vault {\n")
    out.write('  graph [rankdir=LR, charset="UTF-8", overlap=false];\n')
    for node, data in graph.nodes(data=True):
        kind = data.get("kind", "note")
        attrs = [f"label={quote(data.get('title') or node)}", _NODE_STYLE.get(kind, "")]
        attrs += [f"{key}={_attr_value(value)}" for key, value in data.items()
                  if key in ("kind", "path", "tags")]
        out.write(f"  {quote(node)} [{', '.join(a for a in attrs if a)}];\n")
    for u, v, data in graph.edges(data=True):
        kind = data.get("kind", "link")
        attrs = [_EDGE_STYLE.get(kind, "")]
        attrs += [f"{key}={_attr_value(value)}" for key, value in data.items()
                  if key in ("kind", "count", "lines")]
        out.write(f"  {quote(u)} -> {quote(v)} [{', '.join(a for a in attrs if a)}];\n")
    out.write("}\n")
