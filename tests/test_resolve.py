"""Link resolution exactly as Obsidian does it (reference A5-A7)."""

from __future__ import annotations

import unicodedata

import pytest

from vaultkit.core.vault import load_vault


@pytest.fixture
def vault(make_vault, monkeypatch, tmp_path):
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))

    def build(files):
        return load_vault(make_vault(files))

    return build


def test_md_is_implied_and_matching_ignores_case(vault):
    v = vault({"Log.md": "", "Ext.md": "", "src.md": ""})
    for target in ("log", "LOG", "Log.md", "Ext.MD"):
        assert v.resolve(target, "src.md").path in ("Log.md", "Ext.md")
    assert v.resolve("Missing", "src.md").status == "unresolved"


def test_exact_vault_path_beats_same_folder(vault):
    v = vault({"Note.md": "", "b/Note.md": "", "b/src.md": ""})
    assert v.resolve("Note", "b/src.md").path == "Note.md"
    assert v.resolve("b/Note", "src.md").path == "b/Note.md"


def test_same_folder_beats_shorter_path_elsewhere(vault):
    v = vault({"x/Note.md": "", "deep/er/Note.md": "", "deep/er/src.md": ""})
    assert v.resolve("Note", "deep/er/src.md").path == "deep/er/Note.md"


def test_one_vault_answers_each_folder_in_turn(vault):
    """Resolutions are memoised per target: the folder must still decide where
    it can (several files of that name), and never where it cannot."""
    v = vault({"x/Note.md": "", "deep/er/Note.md": "", "Solo/Only.md": "", "deep/er/src.md": "",
               "x/src.md": "", "src.md": "", "long/a.png": "", "x/a.png": "", "long/src.md": ""})
    for _ in range(2):  # the second round answers from the memo
        assert v.resolve("Note", "deep/er/src.md").path == "deep/er/Note.md"
        assert v.resolve("Note", "x/src.md").path == "x/Note.md"
        assert v.resolve("Note", "src.md").path == "x/Note.md"  # the shortest path
        assert v.resolve("a.png", "long/src.md").path == "long/a.png"
        assert v.resolve("a.png", "src.md").path == "x/a.png"
        for source in ("deep/er/src.md", "x/src.md", "src.md"):
            assert tuple(v.resolve("Only", source)) == ("resolved", "Solo/Only.md", ("Solo/Only.md",))
            assert v.resolve("Nowhere", source).status == "unresolved"


def test_ancestor_folder_gets_no_preference_shortest_string_wins(vault):
    v = vault({"a/b/Note.md": "", "zzzz/Note.md": "", "zzzz/q/src.md": "", "a/b/c/src2.md": ""})
    # 'a/b/Note.md' (11 chars) beats 'zzzz/Note.md' (12) even from zzzz/q/
    assert v.resolve("Note", "zzzz/q/src.md").path == "a/b/Note.md"


def test_equal_length_candidates_are_ambiguous_and_listed(vault):
    v = vault({"a/Overview.md": "", "b/Overview.md": "", "src.md": ""})
    res = v.resolve("Overview", "src.md")
    assert res.status == "ambiguous" and set(res.candidates) == {"a/Overview.md", "b/Overview.md"}
    # ...but not from a folder that holds one of them
    assert v.resolve("Overview", "a/x.md").path == "a/Overview.md"


def test_path_suffix_matches(vault):
    v = vault({"a/b/Note.md": "", "src.md": ""})
    assert v.resolve("b/Note", "src.md").path == "a/b/Note.md"
    assert v.resolve("c/Note", "src.md").status == "unresolved"


def test_dot_relative_links_resolve_relative_only(vault):
    v = vault({"docs/sub/src.md": "", "docs/Target.md": "", "Elsewhere/Other.md": ""})
    assert v.resolve("../Target", "docs/sub/src.md").path == "docs/Target.md"
    assert v.resolve("./Other", "docs/sub/src.md").status == "unresolved"  # no fallback by name
    assert v.resolve("../../../README.md", "docs/sub/src.md").status == "unresolved"


def test_markdown_links_resolve_across_the_vault_after_decoding(vault):
    v = vault({"root.md": "[y](My%20Note.md)", "Sub/My Note.md": ""})
    (link,) = v.notes["root.md"].links
    assert v.resolve_link(link, "root.md").resolution.path == "Sub/My Note.md"


def test_aliases_never_resolve(vault):
    v = vault({"Torch Optim.md": "---\naliases: [Optimisers]\n---\n", "src.md": "[[Optimisers]]"})
    assert v.resolve("Optimisers", "src.md").status == "unresolved"
    assert v.alias_owner("optimisers").path == "Torch Optim.md"


def test_attachments_need_their_extension(vault):
    v = vault({"img/Figure 1.png": b"\x89PNG", "src.md": ""})
    assert v.resolve("Figure 1.png", "src.md").path == "img/Figure 1.png"
    assert v.resolve("Figure 1", "src.md").status == "unresolved"


def test_names_with_dots_are_notes(vault):
    v = vault({"Version 2.0.md": "", "src.md": ""})
    assert v.resolve("Version 2.0", "src.md").path == "Version 2.0.md"


def test_nfc_and_nfd_spellings_are_the_same_name(vault):
    nfd = unicodedata.normalize("NFD", "Café")
    v = vault({f"{nfd}.md": "", "src.md": ""})
    assert v.resolve("Café", "src.md").path == f"{nfd}.md"


def test_headings_match_after_obsidian_normalisation(vault):
    v = vault({
        "Game.md": "# Minecraft: The Video Game\n## Part  1 (intro)\n### Details\n## Other\n",
        "src.md": "",
    })
    note = v.notes["Game.md"]
    from vaultkit.core.vault import heading_status

    assert heading_status(note, ("Minecraft The Video Game",)) == "ok"
    assert heading_status(note, ("minecraft: the video game",)) == "ok"
    assert heading_status(note, ("Part 1 intro",)) == "ok"
    assert heading_status(note, ("Part 1 (intro)", "Details")) == "ok"
    assert heading_status(note, ("Other", "Details")) == "missing-heading"
    assert heading_status(note, ("Nope",)) == "missing-heading"


def test_resolve_link_checks_headings_and_blocks(vault):
    v = vault({
        "T.md": "# Top\nclaim ^abc-1\n",
        "src.md": "[[T#Top]] [[T#Gone]] [[T#^abc-1]] [[T#^zzz]] [[#Local]] [[#Nope]]\n# Local\n",
    })
    statuses = [v.resolve_link(l, "src.md").anchor_status for l in v.notes["src.md"].links]
    assert statuses == ["ok", "missing-heading", "ok", "missing-block", "ok", "missing-heading"]


def test_backlinks_list_every_linking_note(vault):
    v = vault({"A.md": "[[B]] [[B#H]]", "C.md": "![[B]]", "B.md": "# H"})
    assert sorted(src for src, _ in v.backlinks("B.md")) == ["A.md", "A.md", "C.md"]


def test_dot_folders_are_not_part_of_the_vault(vault):
    v = vault({".obsidian/x.md": "", ".trash/old.md": "", "real.md": ""})
    assert list(v.notes) == ["real.md"]


def test_user_ignore_filters_hide_notes_but_keep_them_link_targets(vault):
    v = vault({
        ".obsidian/app.json": '{"userIgnoreFilters": ["Templates/", "/draft-\\\\d+/"]}',
        "Templates/T.md": "[[Nowhere]]",
        "draft-12.md": "",
        "src.md": "[[T]]",
    })
    assert v.is_ignored("Templates/T.md") and v.is_ignored("draft-12.md") and not v.is_ignored("src.md")
    assert v.resolve("T", "src.md").path == "Templates/T.md"


def test_incremental_update_and_remove(vault):
    v = vault({"A.md": "[[B]]", "B.md": "# H"})
    assert v.backlinks("B.md")
    v.update_note(v.parse_text("A.md", "[[C]]"))
    assert v.backlinks("B.md") == []
    v.update_note(v.parse_text("C.md", ""))
    assert v.resolve("C", "A.md").path == "C.md"
    v.remove_note("C.md")
    assert v.resolve("C", "A.md").status == "unresolved"


def test_public_api_lists_links_with_their_resolution(make_vault, monkeypatch, tmp_path):
    import vaultkit

    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))
    vault = vaultkit.load_vault(make_vault({"A.md": "[[B#Top]] [[Nope]]", "B.md": "# Other"}))
    rows = [(src, link.target, res.resolution.status, res.anchor_status) for src, link, res in vault.iter_links()]
    assert rows == [("A.md", "B", "resolved", "missing-heading"), ("A.md", "Nope", "unresolved", "none")]
    assert [src for src, _ in vault.backlinks("B.md")] == ["A.md"]
