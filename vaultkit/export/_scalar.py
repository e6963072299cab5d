"""Attribute values for the XML formats (GraphML, GEXF), whose attributes are scalars.

List attributes (``tags``, ``aliases``, ``lines``, ``kinds``, ``candidates``)
become JSON strings (``'["pytorch", "ml/basics"]'``): aliases may contain commas,
so a separator-joined string could not be read back.  ``json.loads`` restores
the list.  Characters XML 1.0 cannot carry are dropped (see ``strip_illegal``).

The XML writers are our own rather than networkx's ``generate_graphml`` /
``generate_gexf``: those build an element tree of the whole graph first and
took 15-35 s for a 10k-note vault; writing strings takes about a second.
networkx reads our files back with every attribute intact (tests check it).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Iterable
from xml.sax.saxutils import escape

# Attribute types as GraphML and GEXF both name them.
XML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile('[&<>"\n\r\t]')
_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def xml_value(value) -> str:
    """``value`` as escaped XML text, usable in character data and in a
    double-quoted attribute.  Lists become JSON; hot path of both writers."""
    if isinstance(value, str):
        return escape(value, _ENTITIES) if _NEEDS_ESCAPE.search(value) else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        if all(type(item) is int for item in value):  # lines: the common, large case
            return "[" + ",".join(map(str, value)) + "]"
        return xml_value(_json_list(tuple(value)))
    return xml_value("" if value is None else str(value))


@lru_cache(maxsize=4096)
def _json_list(items: tuple) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def strip_illegal(chunks: Iterable[str]) -> Iterable[str]:
    """Drop characters XML 1.0 forbids (they can only come from note text)."""
    for chunk in chunks:
        yield _XML_ILLEGAL.sub("", chunk)


def _kind(value) -> type:
    if isinstance(value, (bool, int, float)):
        return type(value)
    return str


def schema(items: Iterable[dict]) -> dict[str, type]:
    """Attribute name -> type written (bool, int, float or str) over all items;
    lists are str (JSON); mixed types become str."""
    types: dict[str, type] = {}
    for data in items:
        for key, value in data.items():
            kind = _kind(value)
            seen = types.get(key)
            if seen is None:
                types[key] = kind
            elif seen is not kind:
                types[key] = float if {seen, kind} == {int, float} else str
    return types
