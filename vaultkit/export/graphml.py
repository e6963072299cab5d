"""GraphML, readable back with ``networkx.read_graphml`` (lists as JSON strings, see _scalar)."""

from __future__ import annotations

from typing import Iterator, TextIO

import networkx as nx

from ._scalar import XML_TYPES, schema, strip_illegal, xml_value

_HEADER = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)


def _data(keys: dict[str, str], data: dict) -> str:
    return "".join(f'<data key="{keys[name]}">{xml_value(value)}</data>' for name, value in data.items())


def generate(graph: nx.DiGraph) -> Iterator[str]:
    node_types = schema(data for _, data in graph.nodes(data=True))
    edge_types = schema(data for _, _, data in graph.edges(data=True))
    yield _HEADER
    node_keys, edge_keys = {}, {}
    for scope, types, keys in (("node", node_types, node_keys), ("edge", edge_types, edge_keys)):
        for name, kind in types.items():
            keys[name] = key = f"{scope[0]}{len(keys)}"
            yield (f'  <key id="{key}" for="{scope}" attr.name="{xml_value(name)}" '
                   f'attr.type="{XML_TYPES[kind]}"/>\n')
    yield '  <graph edgedefault="directed">\n'
    for node, data in graph.nodes(data=True):
        yield f'    <node id="{xml_value(node)}">{_data(node_keys, data)}</node>\n'
    for u, v, data in graph.edges(data=True):
        yield f'    <edge source="{xml_value(u)}" target="{xml_value(v)}">{_data(edge_keys, data)}</edge>\n'
    yield "  </graph>\n</graphml>\n"


def write(graph: nx.DiGraph, out: TextIO) -> None:
    out.writelines(strip_illegal(generate(graph)))
