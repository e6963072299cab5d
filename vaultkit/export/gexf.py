"""GEXF 1.2 (Gephi), readable back with ``networkx.read_gexf``.

Lists are JSON strings (see _scalar): GEXF readers take a list attribute for a
time-varying one.  Each node's GEXF label is its title; each edge's weight is
its ``count`` (Gephi sizes edges by weight).
"""

from __future__ import annotations

from typing import Iterator, TextIO

import networkx as nx

from ._scalar import XML_TYPES, schema, strip_illegal, xml_value

_HEADER = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<gexf xmlns="http://www.gexf.net/1.2draft" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" '
    'version="1.2">\n'
    "  <meta><creator>vaultkit</creator></meta>\n"
    '  <graph defaultedgetype="directed" mode="static">\n'
)


def _attvalues(ids: dict[str, int], data: dict) -> str:
    parts = [f'<attvalue for="{ids[name]}" value="{xml_value(value)}"/>' for name, value in data.items()]
    return "<attvalues>" + "".join(parts) + "</attvalues>" if parts else ""


def generate(graph: nx.DiGraph) -> Iterator[str]:
    node_types = schema(data for _, data in graph.nodes(data=True))
    edge_types = schema(data for _, _, data in graph.edges(data=True))
    yield _HEADER
    node_ids, edge_ids = {}, {}
    for scope, types, ids in (("node", node_types, node_ids), ("edge", edge_types, edge_ids)):
        if not types:
            continue
        yield f'    <attributes class="{scope}" mode="static">\n'
        for name, kind in types.items():
            ids[name] = len(ids)
            yield f'      <attribute id="{ids[name]}" title="{xml_value(name)}" type="{XML_TYPES[kind]}"/>\n'
        yield "    </attributes>\n"
    yield "    <nodes>\n"
    for node, data in graph.nodes(data=True):
        label = data.get("title") or node
        yield f'      <node id="{xml_value(node)}" label="{xml_value(label)}">{_attvalues(node_ids, data)}</node>\n'
    yield "    </nodes>\n    <edges>\n"
    for index, (u, v, data) in enumerate(graph.edges(data=True)):
        weight = data.get("count", 1)
        yield (f'      <edge id="{index}" source="{xml_value(u)}" target="{xml_value(v)}" weight="{weight}">'
               f"{_attvalues(edge_ids, data)}</edge>\n")
    yield "    </edges>\n  </graph>\n</gexf>\n"


def write(graph: nx.DiGraph, out: TextIO) -> None:
    out.writelines(strip_illegal(generate(graph)))
