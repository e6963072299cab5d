"""The reporters' shortcuts give what the plain code they replace gives, byte for byte."""

from __future__ import annotations

import itertools
import json
import random

from vaultkit.apiindex.refs import quick_assigned, quick_assigned_among
from vaultkit.diagnostics import Severity
from vaultkit.report import _common
from vaultkit.report._json import dumps_indented


def _value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice(["", 'a"b\\c\n\t\x00é日本\u2028', 0, -5, 10**30, 1.5, float("nan"),
                           float("inf"), -float("inf"), True, False, None, Severity.ERROR])
    if roll < 0.7:
        items = [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return items if rng.random() < 0.7 else tuple(items)
    return {rng.choice(["k", "é", 'a"', "", "\n"]) + str(i): _value(rng, depth + 1) for i in range(rng.randint(0, 3))}


def test_dumps_indented_is_json_dumps():
    rng = random.Random(7)
    for _ in range(3000):
        value = _value(rng)
        assert dumps_indented(value, 2) == json.dumps(value, indent=2, ensure_ascii=False)
    odd_keys = {1: 2, "a": {None: 3, 1.5: [1]}}  # left to json itself
    assert dumps_indented(odd_keys) == json.dumps(odd_keys, indent=2, ensure_ascii=False)


def test_display_path_prefix_matches_the_slow_path():
    roots = ["/tmp/v", "/tmp/v/", "/", "/work/repo/vault", "/work/repo", "vault", ".", "./vault", "../x",
             "a//b/", "a/../..", "/work/repo/../repo/vault"]
    bases = ["/work/repo", "/tmp", "/", "/tmp/v", "/tmp/v/sub", "/work/repo/vault/Deep"]
    paths = ["A.md", "Folder/My Note.md", "sub/x.md", "Deep/n.md", "..foo/x.md", "a/./b.md", "a//b.md",
             "../x.md", "/abs.md", "", "日本/é.md"]
    for root, base, path in itertools.product(roots, bases, paths):
        _common._display_path.cache_clear()
        assert _common._display_path(root, path, base) == _common._display_path_slow(root, path, base)


def test_assigned_among_reads_only_the_lines_that_matter():
    rng = random.Random(3)
    names = {"nn", "F", "optim"}
    alphabet = ["nn", "F", "optim", " ", "\t", "=", "==", ":", "for", "in", "as", "x", "\n", "(", ".", "#"]
    cases = ["else: from x import y as nn; z = 1", "x: int = 4\n  nn : T = 5\nnn==3\nF= 2"]
    cases += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25))) for _ in range(20000)]
    for text in cases:
        assert quick_assigned_among(text, names) == quick_assigned(text) & names, text
