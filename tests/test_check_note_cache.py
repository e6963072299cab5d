"""`vaultkit check` after edits: unchanged notes come from the per-note result
cache, and the report is always the one a run without any cache gives."""

from __future__ import annotations

import os

import pytest

from vaultkit import runner

NOTES = {
    "Hub.md": "# Hub\n[[Target#Intro]] [[Target#^blk]] [[Other]] ![[pic.png]]\nQ::A <!--SR:!2025-02-20,3,250-->\n",
    "Target.md": "# Intro\ntext ^blk\n## Details\n",
    "Other.md": "[[Hub]] and `nn.LTSM` and [[Nowhere]]\n",
    "Deep/Leaf.md": "[[Target#Details]] [[Hub#Missing heading]] [[Target#Intro#Details]]\n",
}


def check(cli, root, *extra):
    return cli(["check", root, "--no-exec", "--today", "2026-11-22", "--format", "json", *extra])


def write(root, rel, text):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    # A later modification time even on a coarse clock: the cache keys on it.
    os.utime(path, ns=(old + 10**9, old + 10**9))


def same_as_uncached(cli, root, *extra):
    cached = check(cli, root, *extra)
    fresh = check(cli, root, "--no-cache", *extra)
    assert cached.code == fresh.code
    assert cached.json() == fresh.json()
    return cached.json()


@pytest.mark.parametrize("edit", [
    "prose", "new-broken-link", "rename-heading", "heading-level", "remove-block-id", "delete-target", "add-attachment",
    "add-note", "alias", "new-today", "ignore-code", "config-file",
])
def test_every_edit_reports_what_an_uncached_run_reports(cli, make_vault, edit):
    root = make_vault(NOTES)
    before = same_as_uncached(cli, root)
    extra: tuple = ()
    if edit == "prose":  # the same findings, a line further down
        write(root, "Other.md", "A new first line.\n" + NOTES["Other.md"])
    elif edit == "new-broken-link":
        write(root, "Other.md", NOTES["Other.md"] + "[[Also missing]]\n")
    elif edit == "rename-heading":  # Hub and Leaf are unchanged but now link to a missing heading
        write(root, "Target.md", NOTES["Target.md"].replace("# Intro", "# Introduction"))
    elif edit == "heading-level":  # Details is no longer nested under Intro
        write(root, "Target.md", NOTES["Target.md"].replace("## Details", "# Details"))
    elif edit == "remove-block-id":
        write(root, "Target.md", NOTES["Target.md"].replace(" ^blk", ""))
    elif edit == "delete-target":
        (root / "Target.md").unlink()
    elif edit == "add-attachment":
        (root / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    elif edit == "add-note":
        write(root, "Nowhere.md", "now it exists\n")
    elif edit == "alias":  # the suggestion for [[Nowhere]] may name an alias
        write(root, "Target.md", "---\naliases: [Nowhere]\n---\n" + NOTES["Target.md"])
    elif edit == "new-today":
        extra = ("--today", "2025-02-21")
    elif edit == "ignore-code":
        extra = ("--ignore", "VK101")
    elif edit == "config-file":
        write(root, ".vaultkit.toml", "[sr]\ngrace-days = 1000\n")
    after = same_as_uncached(cli, root, *extra)
    assert after != before  # every edit above changes the report


def test_after_an_edit_only_the_edited_note_is_checked_again(cli, make_vault, monkeypatch):
    root = make_vault(NOTES)
    check(cli, root)
    checked: list[list[str]] = []
    real = runner.check_notes
    monkeypatch.setattr(runner, "check_notes", lambda vault, config, today, services, paths, jobs=1: (
        checked.append(sorted(paths)) or real(vault, config, today, services, paths, jobs=jobs)))
    write(root, "Other.md", NOTES["Other.md"] + "[[Also missing]]\n")
    result = check(cli, root)
    assert checked == [["Other.md"]]
    assert any("Also missing" in d["message"] for d in result.json()["diagnostics"])
    # Renaming a heading may break links anywhere: everything is checked again.
    write(root, "Target.md", NOTES["Target.md"].replace("## Details", "## More"))
    result = check(cli, root)
    assert checked[-1] == sorted(["Hub.md", "Target.md", "Other.md", "Deep/Leaf.md"])
    assert any(d["path"] == "Deep/Leaf.md" and d["code"] == "VK102" and "Details" in d["message"]
               for d in result.json()["diagnostics"])
