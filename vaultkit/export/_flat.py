"""Attribute encoding for formats whose attributes are scalars (GraphML, GEXF).

List attributes (``tags``, ``aliases``, ``lines``, ``kinds``, ``candidates``)
become JSON strings (``'["pytorch", "ml/basics"]'``): aliases may contain commas,
so a separator-joined string could not be read back.  ``json.loads`` restores
the list.  Characters XML 1.0 cannot carry are dropped from strings.
"""

from __future__ import annotations

import json
import re

import networkx as nx

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _scalar(value):
    if isinstance(value, (list, tuple, set, frozenset)):
        value = json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, str):
        return _XML_ILLEGAL.sub("", value)
    return value


def flat_copy(graph: nx.DiGraph, *, label: bool = False) -> nx.DiGraph:
    """A copy of ``graph`` with every attribute a scalar; ``label`` = title (GEXF)."""
    flat = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        attrs = {key: _scalar(value) for key, value in data.items()}
        if label:
            attrs["label"] = attrs.get("title") or str(node)
        flat.add_node(_scalar(node), **attrs)
    flat.add_edges_from(
        (_scalar(u), _scalar(v), {key: _scalar(value) for key, value in data.items()})
        for u, v, data in graph.edges(data=True)
    )
    return flat
