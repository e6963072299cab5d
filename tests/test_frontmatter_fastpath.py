"""The fast path for simple frontmatter reads exactly what YAML reads, or defers to YAML."""

from __future__ import annotations

import yaml
from hypothesis import given, settings, strategies as st

from vaultkit.core.parse.frontmatter import _simple_yaml, _yaml

atoms = st.sampled_from([
    "pytorch", "ml/torch", "Torch Optim", "2025-02-22", "3", "3.5", "-1", "yes", "No", "null", "~", "on",
    "a: b", "a:b", "x #c", "x#c", "#c", "'single'", '"double"', '"with, comma"', '"esc\\"q"', "&anchor",
    "*ref", "!tag", "|", ">", "[x]", "{a: 1}", "caf\u00e9", "two words", "trailing:", "-dash", "- item", "%p",
    "@at", "`bt`", "", " ", "0x1F", ".inf", "1e3", "1_000", "True",
])
keys = st.sampled_from(["tags", "aliases", "sr-due", "sr_interval", "created", "title", "Key9", "x"])


@st.composite
def frontmatter(draw):
    lines = []
    for key in draw(st.lists(keys, min_size=1, max_size=4)):
        form = draw(st.sampled_from(["scalar", "flow", "block", "empty"]))
        if form == "scalar":
            lines.append(f"{key}: {draw(atoms)}")
        elif form == "flow":
            lines.append(f"{key}: [" + ", ".join(draw(st.lists(atoms, max_size=3))) + "]")
        elif form == "block":
            lines.append(f"{key}:")
            lines += [f"  - {a}" for a in draw(st.lists(atoms, min_size=1, max_size=3))]
        else:
            lines.append(f"{key}:")
    return lines


@settings(max_examples=1500, deadline=None)
@given(frontmatter())
def test_fast_path_agrees_with_yaml_or_defers(lines):
    fast = _simple_yaml(lines)
    if fast is None:
        return
    assert fast == yaml.load("\n".join(lines), Loader=_yaml()[1]), lines


def test_typical_frontmatter_takes_the_fast_path():
    lines = ['aliases: ["Torch Optimiser", optim]', "tags:", "  - pytorch", "  - ml/torch", "created: 2025-02-22"]
    assert _simple_yaml(lines) == {
        "aliases": ["Torch Optimiser", "optim"], "tags": ["pytorch", "ml/torch"], "created": "2025-02-22",
    }
