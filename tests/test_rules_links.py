"""VK1xx link rules and VK9xx file rules: an "errors" part and an "ok" part per rule."""

from __future__ import annotations

import datetime as dt

import pytest

from vaultkit.config import Config
from vaultkit.core.vault import load_vault
from vaultkit.runner import check_vault

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def diagnose(make_vault, monkeypatch, tmp_path):
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))

    def run(files, select=("VK1", "VK9"), **config):
        vault = load_vault(make_vault(files))
        cfg = Config(select=tuple(select), **config)
        return [(d.path, d.span.line + 1, d.span.col + 1, d.code, d.message) for d in check_vault(vault, cfg, TODAY)], vault

    return run


def codes(result):
    return [(path, line, code) for path, line, _, code, _ in result[0]]


def test_vk101_broken_wikilink(diagnose):
    result = diagnose({
        "Torch Optim.md": "# Adam\n",
        "errors.md": "[[Torch Optimm]]\n![[Nowhere]]\n[[Gone#Heading]]\n",
        "ok.md": "[[Torch Optim]] [[torch optim]] [[Torch Optim.md]] `[[Nope]]` <!-- [[Nope]] -->\n",
    })
    assert codes(result) == [("errors.md", 1, "VK101"), ("errors.md", 2, "VK101"), ("errors.md", 3, "VK101")]
    message = result[0][0][4]
    assert "'Torch Optimm' does not exist" in message and "did you mean 'Torch Optim'" in message


def test_vk101_alias_gets_a_safe_fix_to_the_real_note(diagnose, make_vault):
    result, vault = diagnose({"Torch Optim.md": "---\naliases: [Optimisers]\n---\n", "n.md": "See [[Optimisers]]."})
    (d,) = check_vault(vault, Config(select=("VK101",)), TODAY)
    assert "alias of [[Torch Optim]]" in d.message
    assert d.fix.is_safe and d.fix.edits[0].new_text == "Torch Optim|Optimisers"


def test_vk101_offers_creating_the_note(diagnose):
    _, vault = diagnose({"n.md": "[[Brand New]]"})
    (d,) = check_vault(vault, Config(select=("VK101",)), TODAY)
    (create,) = d.alternatives
    assert create.edits[0].path == "Brand New.md" and create.edits[0].span is None


def test_vk102_broken_heading_lists_existing_headings(diagnose):
    result = diagnose({
        "Optim.md": "# Optim\n## SGD\n## Adam\n",
        "errors.md": "[[Optim#Adamw]]\n[[#Missing here]]\n",
        "ok.md": "[[Optim#adam]] [[Optim#Optim#SGD]] [[#Local]]\n# Local\n",
    })
    assert codes(result) == [("errors.md", 1, "VK102"), ("errors.md", 2, "VK102")]
    assert "it has 'Optim', 'SGD', 'Adam'" in result[0][0][4]
    assert "did you mean 'Adam'" in result[0][0][4]


def test_vk103_broken_block(diagnose):
    result = diagnose({
        "Loss.md": "Cross entropy. ^ce-loss\n",
        "errors.md": "[[Loss#^ce-los]]\n",
        "ok.md": "![[Loss#^ce-loss]]\n",
    })
    assert codes(result) == [("errors.md", 1, "VK103")]
    assert "did you mean '^ce-loss'" in result[0][0][4]


def test_vk104_missing_attachment(diagnose):
    result = diagnose({
        "img/kernel.png": b"\x89PNG\r\n",
        "errors.md": "![[kernal.png]]\n[nb](pytorch_notebook.ipynb)\n",
        "ok.md": "![[kernel.png|300]] ![k](img/kernel.png)\n",
    })
    assert codes(result) == [("errors.md", 1, "VK104"), ("errors.md", 2, "VK104")]
    assert "did you mean 'kernel.png'" in result[0][0][4]


def test_vk105_ambiguous_link_names_candidates(diagnose):
    result = diagnose({"a/Overview.md": "", "b/Overview.md": "", "errors.md": "[[Overview]]", "a/ok.md": "[[Overview]] [[b/Overview]]"})
    assert codes(result) == [("errors.md", 1, "VK105")]
    assert "a/Overview, b/Overview" in result[0][0][4]


def test_vk106_markdown_link_outside_the_vault(diagnose):
    result = diagnose({
        "sub/errors.md": "[Main](../README.md)\n[x](../../up.md)\n",
        "sub/ok.md": "[Other](Other%20Note.md) [web](https://example.com/a.md)\n",
        "Other Note.md": "",
    })
    assert codes(result) == [("sub/errors.md", 1, "VK106"), ("sub/errors.md", 2, "VK106")]
    assert "points outside the vault" in result[0][1][4]


def test_vk107_duplicate_block_id(diagnose):
    result = diagnose({"errors.md": "one ^dup\n\ntwo ^dup\n", "ok.md": "one ^a\n\ntwo ^b\n"})
    assert codes(result) == [("errors.md", 3, "VK107")]
    assert "already defined on line 1" in result[0][0][4]


def test_vk9_unreadable_files_are_reported_and_the_rest_is_checked(diagnose):
    result = diagnose({
        "latin1.md": "Caf\xe9 [[X]]".encode("latin-1"),
        "binary.md": b"\x89PNG\x00\x00\x00binary",
        "yaml.md": "---\ntags: [a\n---\n[[Also Broken]]\n",
        "fine.md": "[[Broken]]",
    })
    got = codes(result)
    assert ("latin1.md", 1, "VK901") in got
    assert ("binary.md", 1, "VK902") in got
    assert ("yaml.md", 3, "VK905") in got or ("yaml.md", 2, "VK905") in got
    assert ("fine.md", 1, "VK101") in got and ("yaml.md", 4, "VK101") in got
    latin = next(m for p, _, _, c, m in result[0] if c == "VK901")
    assert "byte 0xe9 at line 1, column 4" in latin


def test_ignored_and_excluded_notes_are_not_reported(diagnose):
    files = {
        ".obsidian/app.json": '{"userIgnoreFilters": ["Templates/"]}',
        "Templates/T.md": "[[{{title}}]]",
        "Archive/old.md": "[[Gone]]",
        "live.md": "[[Gone]] [[T]]",
    }
    result = diagnose(files, exclude=("Archive/**",))
    assert codes(result) == [("live.md", 1, "VK101")]


def test_suppression_comments_and_frontmatter(diagnose):
    result = diagnose({
        "a.md": "[[X1]]\n<!-- vaultkit: disable VK101 -->\n[[X2]]\n<!-- vaultkit: enable VK101 -->\n[[X3]]\n"
                "<!-- vaultkit: disable-next-line VK1 -->\n[[X4]]\n[[X5]] <!-- vaultkit: disable-line -->\n[[X6]]\n",
        "b.md": "---\nvaultkit:\n  disable: [VK1]\n---\n[[Y]]\n",
    })
    assert codes(result) == [("a.md", 1, "VK101"), ("a.md", 5, "VK101"), ("a.md", 9, "VK101")]


def test_nothing_inside_code_is_reported(diagnose):
    text = "```python\ncols = df[[\"a\", \"b\"]]\n```\n    [[indented]]\n`[[inline]]`\n> ```\n> [[quoted code]]\n> ```\n"
    assert codes(diagnose({"n.md": text})) == []
