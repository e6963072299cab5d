"""Bad input through the command line: never a traceback, never a write, always a located message.

From the issue: "Missing or non-directory path, empty vault, non-UTF-8 and
binary `.md` files, a 20 MB note, a 5,000-link note, CRLF and BOM, NFC vs NFD
file names, symlink loops, unreadable files: a clear located message (to
stderr, or as a diagnostic), exit status 2 only for unusable arguments, never
a traceback, never a write into the vault."

Every case runs ``vaultkit check`` and ``vaultkit graph`` in-process and checks
what a user sees: the exit status, the message (which file, which line), and
that every byte of the vault is unchanged.
"""

from __future__ import annotations

import json
import os
import unicodedata

import pytest

TODAY = "2026-11-22"


def check(cli, path):
    return cli(["check", path, "--no-exec", "--format", "json", "--today", TODAY])


def graph(cli, path):
    return cli(["graph", path, "--format", "json"])


def assert_no_traceback(result):
    assert "Traceback" not in result.out + result.err, result.err


def run_both(cli, vault, vault_fingerprint):
    """Check and graph ``vault``; assert neither crashed nor wrote; return both results."""
    before = vault_fingerprint(vault)
    checked = check(cli, vault)
    graphed = graph(cli, vault)
    for result in (checked, graphed):
        assert_no_traceback(result)
        assert result.code != 2, f"exit 2 is for unusable arguments: {result.err}"
    assert vault_fingerprint(vault) == before, "vaultkit wrote into the vault"
    return checked, graphed


def diags(report, path=None, prefix="VK"):
    return [
        d
        for d in report["diagnostics"]
        if (path is None or d["path"] == path) and d["code"].startswith(prefix)
    ]


def node_ids(graph_json):
    return {node["id"] for node in graph_json["nodes"]}


def link_counts(graph_json, source):
    """{target id: link count} for the edges leaving ``source``."""
    counts = {}
    for edge in graph_json["links"]:
        if edge["source"] == source:
            counts[edge["target"]] = counts.get(edge["target"], 0) + edge.get("count", 1)
    return counts


GOOD_NOTE = "# Good\n\nA broken link: [[Nowhere]].\n"


def assert_good_note_checked(report):
    """The rest of the vault was still checked: good.md's broken link is reported once."""
    found = diags(report, "good.md", "VK1")
    assert [(d["line"], d["column"]) for d in found] == [(3, 16)], found


# --- unusable arguments: exit 2 ------------------------------------------------------


@pytest.mark.parametrize("command", [check, graph])
def test_missing_path_is_a_usage_error(cli, tmp_path, command):
    missing = tmp_path / "no-such-vault"
    result = command(cli, missing)
    assert result.code == 2
    assert_no_traceback(result)
    assert str(missing) in result.err
    assert "does not exist" in result.err or "no such" in result.err.lower()
    assert not missing.exists()


@pytest.mark.parametrize("command", [check, graph])
def test_file_instead_of_vault_folder_is_a_usage_error(cli, tmp_path, command, vault_fingerprint):
    note = tmp_path / "note.md"
    note.write_text("# Just a note\n", encoding="utf-8")
    before = vault_fingerprint(tmp_path)
    result = command(cli, note)
    assert result.code == 2
    assert_no_traceback(result)
    assert str(note) in result.err
    assert "folder" in result.err.lower() or "director" in result.err.lower()
    assert vault_fingerprint(tmp_path) == before


def test_impossible_today_is_a_usage_error(cli, make_vault):
    vault = make_vault({"good.md": GOOD_NOTE})
    result = cli(["check", vault, "--no-exec", "--format", "json", "--today", "2026-02-30"])
    assert result.code == 2
    assert_no_traceback(result)
    assert "2026-02-30" in result.err


# --- usable but odd vaults -----------------------------------------------------------


def test_empty_vault_checks_zero_notes(cli, tmp_path, vault_fingerprint):
    vault = tmp_path / "empty"
    vault.mkdir()
    checked, graphed = run_both(cli, vault, vault_fingerprint)
    assert checked.code == 0
    report = checked.json()
    assert report["summary"]["notes"] == 0
    assert report["diagnostics"] == []
    assert graphed.code == 0
    assert graphed.json()["nodes"] == []


def test_non_utf8_note_is_reported_at_the_bad_byte_and_the_rest_is_checked(
    cli, make_vault, vault_fingerprint
):
    # "Café" written by a Latin-1 editor: byte 0xE9 on line 3, column 4.
    vault = make_vault({"good.md": GOOD_NOTE, "latin1.md": b"# Menu\n\nCaf\xe9 au lait\n"})
    checked, graphed = run_both(cli, vault, vault_fingerprint)
    report = checked.json()
    found = diags(report, "latin1.md", "VK9")
    assert len(found) == 1, found
    assert (found[0]["line"], found[0]["column"]) == (3, 4)
    assert "UTF-8" in found[0]["message"]
    assert_good_note_checked(report)
    assert checked.code == 1
    assert graphed.code == 0
    assert "good" in node_ids(graphed.json())


@pytest.mark.timeout(120)
def test_graph_names_the_files_it_could_not_read(cli, make_vault, vault_fingerprint):
    # graph has no diagnostics channel: its stderr must say which files, not only how many.
    vault = make_vault({"good.md": GOOD_NOTE, "latin1.md": b"Caf\xe9\n", "photo.md": b"\x89PNG\x00\x00"})
    os.mkfifo(vault / "pipe.md")
    before = vault_fingerprint(vault)
    result = graph(cli, vault)
    assert_no_traceback(result)
    assert result.code == 0
    assert "good" in node_ids(result.json())
    for name in ("latin1.md", "photo.md", "pipe.md"):
        assert name in result.err, f"graph does not name {name}: {result.err!r}"
    assert vault_fingerprint(vault) == before


def test_binary_file_named_md_is_reported_and_the_rest_is_checked(cli, make_vault, vault_fingerprint):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00"
    vault = make_vault({"good.md": GOOD_NOTE, "photo.md": png})
    checked, graphed = run_both(cli, vault, vault_fingerprint)
    report = checked.json()
    found = diags(report, "photo.md", "VK9")
    assert len(found) == 1, found
    assert "binary" in found[0]["message"].lower()
    assert_good_note_checked(report)
    assert graphed.code == 0


def test_broken_frontmatter_is_reported_at_the_yaml_error_line(cli, make_vault, vault_fingerprint):
    note = (
        "---\n"
        "tags: [pytorch]\n"
        "title: Adam: adaptive moments\n"  # unquoted ': ' inside a value
        "---\n"
        "# Adam\n"
        "\n"
        "See [[Missing After Yaml]].\n"
    )
    vault = make_vault({"adam.md": note})
    checked, graphed = run_both(cli, vault, vault_fingerprint)
    report = checked.json()
    yaml_errors = diags(report, "adam.md", "VK9")
    assert [d["line"] for d in yaml_errors] == [3], yaml_errors
    # The body is still a note: its links are checked as Obsidian indexes them.
    assert [d["line"] for d in diags(report, "adam.md", "VK1")] == [7]
    assert graphed.code == 0


def test_20_mb_note_is_handled(cli, make_vault, vault_fingerprint):
    paragraph = "Gradient descent takes small steps downhill; the learning rate sets their size.\n" * 9
    body = (paragraph + "\n") * (20 * 1024 * 1024 // (len(paragraph) + 1) + 1)
    vault = make_vault({"huge.md": "# Huge\n\n" + body + "The end: [[Missing At The End]].\n"})
    last_line = (vault / "huge.md").read_text(encoding="utf-8").count("\n")
    assert (vault / "huge.md").stat().st_size > 20 * 1024 * 1024
    checked, graphed = run_both(cli, vault, vault_fingerprint)
    report = checked.json()
    # Either the whole note was read (the last line's broken link is found) or the
    # note is refused with a located VK9 message; never silence, never a crash.
    at_end = [d for d in diags(report, "huge.md", "VK1") if d["line"] == last_line]
    refused = diags(report, "huge.md", "VK9")
    assert len(at_end) == 1 or (len(refused) == 1 and "MB" in refused[0]["message"]), report["diagnostics"]
    assert graphed.code == 0


def _many_links_vault(make_vault):
    """big.md: 5,000 links, 10 per line; every 50th goes nowhere, the rest to 49 notes."""
    files = {f"Note {i:02d}.md": f"# Note {i:02d}\n" for i in range(49)}
    lines, gone = ["# Big"], []
    for row in range(500):
        parts = []
        for j in range(10):
            k = row * 10 + j
            text = f"[[Gone {k // 50:03d}]]" if k % 50 == 49 else f"[[Note {k % 49:02d}]]"
            column = len(" ".join(parts)) + (1 if parts else 0) + 1
            if text.startswith("[[Gone"):
                gone.append((row + 2, column, column + len(text)))
            parts.append(text)
        lines.append(" ".join(parts))
    files["big.md"] = "\n".join(lines) + "\n"
    return make_vault(files), gone


def test_5000_link_note_has_every_link_found(cli, make_vault, vault_fingerprint):
    vault, gone = _many_links_vault(make_vault)
    assert len(gone) == 100
    checked, graphed = run_both(cli, vault, vault_fingerprint)
    found = diags(checked.json(), "big.md", "VK1")
    assert len(found) == 100, f"{len(found)} broken links reported, 100 expected"
    for line, first, after in gone:
        assert any(d["line"] == line and first <= d["column"] < after for d in found), (line, first)
    counts = link_counts(graphed.json(), "big")
    assert sum(n for target, n in counts.items() if target.startswith("Note ")) == 4900, counts


CRLF_CASE = (
    "---\n"
    "# [[Hidden In Yaml]] is a YAML comment, not a link\n"
    "tags: [pytorch]\n"
    "---\n"
    "[[Missing First]] opens the body.\n"
    "\n"
    "## Section\n"
    "\n"
    "A block worth quoting. ^blk\n"
    "\n"
    "Links: [[#Section]], [[#^blk]], [[#Nowhere]], [[Missing Second#Part]].\n"
)
FIRST_LINE_CASE = "[[Missing Top]] is the very first thing.\n"


def _variants(text: str) -> dict[str, bytes]:
    lf = text.encode("utf-8")
    crlf = text.replace("\n", "\r\n").encode("utf-8")
    bom = b"\xef\xbb\xbf"
    return {"lf": lf, "crlf": crlf, "bom": bom + lf, "bom-crlf": bom + crlf}


@pytest.mark.parametrize("case, name", [(CRLF_CASE, "body"), (FIRST_LINE_CASE, "top")])
def test_crlf_and_bom_give_the_same_diagnostics_as_lf(cli, make_vault, vault_fingerprint, case, name):
    vault = make_vault({f"{name}-{kind}.md": data for kind, data in _variants(case).items()})
    checked, graphed = run_both(cli, vault, vault_fingerprint)
    report = checked.json()
    seen = {
        kind: sorted(
            (d["line"], d["column"], d["code"], d["message"]) for d in diags(report, f"{name}-{kind}.md")
        )
        for kind in _variants(case)
    }
    assert seen["lf"], "the LF note itself should have broken links"
    for kind in ("crlf", "bom", "bom-crlf"):
        assert seen[kind] == seen["lf"], kind
    if name == "top":
        assert [(d[0], d[1]) for d in seen["lf"]] == [(1, 1)]  # a BOM is not a column
    else:
        assert {line for line, *_ in seen["lf"]} == {5, 11}  # nothing from the frontmatter
        on_11 = [d for d in seen["lf"] if d[0] == 11]
        assert len(on_11) == 2, on_11  # [[#Nowhere]] and [[Missing Second#Part]]
    assert graphed.code == 0


def test_nfc_link_finds_nfd_file_name_and_back(cli, make_vault, vault_fingerprint):
    nfd_cafe = unicodedata.normalize("NFD", "Café")
    nfc_creme = unicodedata.normalize("NFC", "Crème")
    menu = (
        "# Menu\n\n"
        f"- [[{unicodedata.normalize('NFC', 'Café')}]]\n"
        f"- [[{unicodedata.normalize('NFD', 'Crème')}]]\n"
        "- [[Nowhere]]\n"
    )
    vault = make_vault({"menu.md": menu, f"{nfd_cafe}.md": "# Café\n", f"{nfc_creme}.md": "# Crème\n"})
    checked, graphed = run_both(cli, vault, vault_fingerprint)
    found = diags(checked.json(), "menu.md", "VK1")
    assert [d["line"] for d in found] == [5], found  # only [[Nowhere]]
    targets = {unicodedata.normalize("NFC", t) for t in link_counts(graphed.json(), "menu")}
    assert {"Café", "Crème"} <= targets, targets


@pytest.mark.timeout(120)
def test_symlink_loops_end_with_a_message(cli, make_vault, vault_fingerprint):
    vault = make_vault({"good.md": GOOD_NOTE, "sub/inner.md": "# Inner\n"})
    os.symlink("..", vault / "sub" / "again")  # a folder that contains itself
    os.symlink("b.md", vault / "a.md")  # two notes that point at each other
    os.symlink("a.md", vault / "b.md")
    checked, graphed = run_both(cli, vault, vault_fingerprint)
    report = checked.json()
    assert_good_note_checked(report)  # once: the loop did not visit good.md again
    told = checked.err + json.dumps(report["diagnostics"])
    assert "sub/again" in told, "the folder loop must be named"
    assert "a.md" in told and "b.md" in told, "the looping note links must be named"
    assert graphed.code == 0


@pytest.mark.timeout(120)
def test_fifo_named_md_is_reported_not_read(cli, make_vault, vault_fingerprint):
    # Opening a FIFO blocks forever; a loader must look before it reads.
    vault = make_vault({"good.md": GOOD_NOTE})
    os.mkfifo(vault / "pipe.md")
    checked, graphed = run_both(cli, vault, vault_fingerprint)
    report = checked.json()
    found = diags(report, "pipe.md", "VK9")
    assert len(found) == 1, report["diagnostics"]
    assert_good_note_checked(report)


def test_folder_named_like_a_note_is_just_a_folder(cli, make_vault, vault_fingerprint):
    vault = make_vault({"good.md": GOOD_NOTE, "drafts.md/idea.md": "# Idea\n\n[[Nowhere Else]]\n"})
    checked, _ = run_both(cli, vault, vault_fingerprint)
    report = checked.json()
    assert_good_note_checked(report)
    assert [d["line"] for d in diags(report, "drafts.md/idea.md", "VK1")] == [3]
    assert diags(report, "drafts.md") == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode; see the FIFO case")
def test_unreadable_note_is_reported_and_the_rest_is_checked(cli, make_vault, vault_fingerprint):
    vault = make_vault({"good.md": GOOD_NOTE, "secret.md": "# Secret\n"})
    (vault / "secret.md").chmod(0)
    try:
        checked, graphed = run_both(cli, vault, vault_fingerprint)
    finally:
        (vault / "secret.md").chmod(0o644)
    report = checked.json()
    found = diags(report, "secret.md", "VK9")
    assert len(found) == 1 and "permission" in found[0]["message"].lower(), found
    assert_good_note_checked(report)
    assert graphed.code == 0
