"""apply_fixes: what --fix / --unsafe-fixes / --diff do to the files of a vault."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit import fixes
from vaultkit.core.span import Span
from vaultkit.diagnostics import Diagnostic, Edit, Fix, Severity
from vaultkit.fixes import apply_fixes


def diag(path: str, span: Span, *edits: Edit, code="VK201", applicability="safe", title="Fix it"):
    fix = Fix(title, tuple(edits), applicability) if edits else None
    return Diagnostic(path, span, code, "some-rule", Severity.WARNING, "message", fix=fix)


def replace(path: str, line: int, col: int, end_col: int, text: str, **kw):
    span = Span(line, col, line, end_col)
    return diag(path, span, Edit(path, span, text), **kw)


def tree(root: Path) -> dict[str, tuple[str, int]]:
    """Every file's content hash and mode: what 'nothing changed' means."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out[p.relative_to(root).as_posix()] = (
                hashlib.sha256(p.read_bytes()).hexdigest(),
                stat.S_IMODE(p.stat().st_mode),
            )
    return out


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    (root / "Deep Learning").mkdir(parents=True)
    (root / "Deep Learning" / "RNN.md").write_bytes(b"# RNN\nUse nn.LTSM here.\nAnd F.rleu too.\n")
    (root / "Index.md").write_bytes(b"See [[RNN]] and [[Missing]].\n")
    return root


def test_safe_fix_is_written_and_unsafe_is_held_back(vault):
    ds = [
        replace("Deep Learning/RNN.md", 1, 4, 11, "nn.LSTM"),
        replace("Deep Learning/RNN.md", 2, 4, 10, "F.relu", applicability="unsafe"),
    ]
    out = apply_fixes(vault, ds, unsafe=False, write=True)
    assert (out.applied, out.skipped, out.hidden_unsafe) == (1, 0, 1)
    assert out.changed_paths == ["Deep Learning/RNN.md"]
    assert (vault / "Deep Learning/RNN.md").read_bytes() == b"# RNN\nUse nn.LSTM here.\nAnd F.rleu too.\n"


def test_unsafe_fixes_apply_both(vault):
    ds = [
        replace("Deep Learning/RNN.md", 1, 4, 11, "nn.LSTM"),
        replace("Deep Learning/RNN.md", 2, 4, 10, "F.relu", applicability="unsafe"),
    ]
    out = apply_fixes(vault, ds, unsafe=True, write=True)
    assert (out.applied, out.skipped, out.hidden_unsafe) == (2, 0, 0)
    assert (vault / "Deep Learning/RNN.md").read_bytes() == b"# RNN\nUse nn.LSTM here.\nAnd F.relu too.\n"


def test_preview_writes_nothing_but_shows_the_diff(vault):
    before = tree(vault)
    ds = [
        replace("Deep Learning/RNN.md", 1, 4, 11, "nn.LSTM"),
        diag("Index.md", Span(0, 16, 0, 27), Edit("Missing.md", None, "# Missing\n")),
    ]
    out = apply_fixes(vault, ds, unsafe=True, write=False)
    assert tree(vault) == before
    assert out.applied == 2 and out.changed_paths == ["Deep Learning/RNN.md", "Missing.md"]
    assert out.diff == (
        "--- a/Deep Learning/RNN.md\n"
        "+++ b/Deep Learning/RNN.md\n"
        "@@ -1,3 +1,3 @@\n"
        " # RNN\n"
        "-Use nn.LTSM here.\n"
        "+Use nn.LSTM here.\n"
        " And F.rleu too.\n"
        "--- /dev/null\n"
        "+++ b/Missing.md\n"
        "@@ -0,0 +1 @@\n"
        "+# Missing\n"
    )


def test_nothing_to_fix_changes_nothing(vault):
    before = tree(vault)
    out = apply_fixes(vault, [diag("Index.md", Span(0, 0, 0, 3))], unsafe=True, write=True)
    assert (out.applied, out.skipped, out.diff, out.changed_paths) == (0, 0, "", [])
    assert tree(vault) == before


def test_crlf_and_bom_are_kept_and_new_lines_follow_the_file(vault):
    note = vault / "Windows.md"
    note.write_bytes(b"\xef\xbb\xbf# Title\r\nnn.LTSM\r\nend")
    # columns do not count the BOM; new text with \n is written with \r\n
    ds = [replace("Windows.md", 1, 0, 7, "nn.LSTM\nsecond line")]
    out = apply_fixes(vault, ds, unsafe=False, write=True)
    assert out.applied == 1
    assert note.read_bytes() == b"\xef\xbb\xbf# Title\r\nnn.LSTM\r\nsecond line\r\nend"
    assert "\\ No newline at end of file" in out.diff


def test_multibyte_columns_are_code_points(vault):
    note = vault / "Straße.md"
    note.write_text("Größe: nn.LTSM 日本\n", encoding="utf-8")
    out = apply_fixes(vault, [replace("Straße.md", 0, 7, 14, "nn.LSTM")], unsafe=False, write=True)
    assert out.applied == 1
    assert note.read_text(encoding="utf-8") == "Größe: nn.LSTM 日本\n"


def test_overlapping_fixes_first_wins_then_a_second_run_applies_the_rest(vault):
    first = replace("Deep Learning/RNN.md", 1, 4, 11, "nn.LSTM")
    clash = replace("Deep Learning/RNN.md", 1, 7, 11, "GRU")
    out = apply_fixes(vault, [clash, first], unsafe=False, write=True)
    assert (out.applied, out.skipped) == (1, 1)
    assert "overlaps another fix" in out.problems[0]
    assert "Use nn.LSTM here." in (vault / "Deep Learning/RNN.md").read_text()
    # the check runs again on the new text and offers the rest; now it applies
    again = apply_fixes(vault, [replace("Deep Learning/RNN.md", 1, 7, 11, "GRU")], unsafe=False, write=True)
    assert (again.applied, again.skipped) == (1, 0)
    assert "Use nn.GRU here." in (vault / "Deep Learning/RNN.md").read_text()


def test_a_fix_is_all_or_nothing(vault):
    first = replace("Deep Learning/RNN.md", 1, 4, 11, "nn.LSTM")
    both = diag(
        "Deep Learning/RNN.md",
        Span(1, 0, 1, 3),
        Edit("Deep Learning/RNN.md", Span(2, 0, 2, 3), "Also"),
        Edit("Deep Learning/RNN.md", Span(1, 8, 1, 9), "X"),  # clashes with `first`
    )
    out = apply_fixes(vault, [first, both], unsafe=False, write=True)
    assert (out.applied, out.skipped) == (1, 1)
    assert (vault / "Deep Learning/RNN.md").read_bytes() == b"# RNN\nUse nn.LSTM here.\nAnd F.rleu too.\n"


def test_adjacent_edits_in_one_line_both_apply(vault):
    ds = [
        replace("Deep Learning/RNN.md", 1, 0, 3, "Try"),
        replace("Deep Learning/RNN.md", 1, 3, 4, "_"),
        replace("Deep Learning/RNN.md", 2, 4, 10, "F.relu"),
    ]
    out = apply_fixes(vault, ds, unsafe=False, write=True)
    assert (out.applied, out.skipped) == (3, 0)
    assert (vault / "Deep Learning/RNN.md").read_bytes() == b"# RNN\nTry_nn.LTSM here.\nAnd F.relu too.\n"


def test_same_new_note_offered_twice_is_created_once(vault):
    create = Edit("Missing.md", None, "# Missing\n")
    ds = [diag("Index.md", Span(0, 16, 0, 27), create), diag("Other.md", Span(3, 0, 3, 11), create)]
    out = apply_fixes(vault, ds, unsafe=False, write=True)
    assert (out.applied, out.skipped) == (2, 0)
    assert (vault / "Missing.md").read_bytes() == b"# Missing\n"


def test_creating_a_note_makes_folders_and_never_overwrites(vault):
    ds = [diag("Index.md", Span(0, 0, 0, 1), Edit("New Folder/Deep/Note.md", None, "hello\n"))]
    assert apply_fixes(vault, ds, unsafe=False, write=True).applied == 1
    assert (vault / "New Folder/Deep/Note.md").read_text() == "hello\n"

    existing = [diag("Index.md", Span(0, 0, 0, 1), Edit("Index.md", None, "clobbered\n"))]
    out = apply_fixes(vault, existing, unsafe=False, write=True)
    assert (out.applied, out.skipped) == (0, 1)
    assert "already exists" in out.problems[0]
    assert (vault / "Index.md").read_bytes() == b"See [[RNN]] and [[Missing]].\n"


def test_new_note_gets_normal_permissions(vault):
    ds = [diag("Index.md", Span(0, 0, 0, 1), Edit("Made.md", None, "x\n"))]
    apply_fixes(vault, ds, unsafe=False, write=True)
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE((vault / "Made.md").stat().st_mode) == 0o666 & ~mask


@pytest.mark.parametrize("bad", ["../outside.md", "/etc/passwd", "Deep Learning/../../outside.md"])
def test_paths_leaving_the_vault_are_refused(vault, bad):
    before = tree(vault.parent)
    ds = [diag("Index.md", Span(0, 0, 0, 1), Edit(bad, None, "pwned\n"))]
    out = apply_fixes(vault, ds, unsafe=True, write=True)
    assert (out.applied, out.skipped) == (0, 1)
    assert "outside the vault" in out.problems[0]
    assert tree(vault.parent) == before


def test_symlink_pointing_outside_the_vault_is_refused(vault, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("keep\n")
    (vault / "Link.md").symlink_to(secret)
    out = apply_fixes(vault, [replace("Link.md", 0, 0, 4, "gone")], unsafe=True, write=True)
    assert out.skipped == 1
    assert secret.read_text() == "keep\n"


def test_symlinked_note_inside_the_vault_is_written_through(vault):
    (vault / "Alias.md").symlink_to(vault / "Index.md")
    out = apply_fixes(vault, [replace("Alias.md", 0, 0, 3, "Read")], unsafe=False, write=True)
    assert out.applied == 1
    assert (vault / "Alias.md").is_symlink()
    assert (vault / "Index.md").read_text() == "Read [[RNN]] and [[Missing]].\n"


def test_stale_or_broken_edits_are_skipped_with_a_located_message(vault):
    ds = [
        replace("Index.md", 7, 0, 1, "x"),  # no line 8
        replace("Index.md", 0, 50, 51, "x"),  # past the end of the line
        replace("Gone.md", 0, 0, 1, "x"),  # no such file
    ]
    before = tree(vault)
    out = apply_fixes(vault, ds, unsafe=False, write=True)
    assert (out.applied, out.skipped) == (0, 3)
    assert tree(vault) == before
    joined = "\n".join(out.problems)
    assert "Index.md:8: the file has only 2 lines" in joined
    assert "Index.md:1:51: past the end of the line" in joined
    assert "Gone.md: no such file" in joined


def test_non_utf8_note_is_left_alone(vault):
    (vault / "Latin1.md").write_bytes(b"caf\xe9 nn.LTSM\n")
    out = apply_fixes(vault, [replace("Latin1.md", 0, 5, 12, "nn.LSTM")], unsafe=False, write=True)
    assert out.skipped == 1 and "not UTF-8" in out.problems[0]
    assert (vault / "Latin1.md").read_bytes() == b"caf\xe9 nn.LTSM\n"


def test_write_keeps_permissions_and_leaves_no_temp_files(vault):
    note = vault / "Deep Learning/RNN.md"
    note.chmod(0o640)
    apply_fixes(vault, [replace("Deep Learning/RNN.md", 1, 4, 11, "nn.LSTM")], unsafe=False, write=True)
    assert stat.S_IMODE(note.stat().st_mode) == 0o640
    assert sorted(p.name for p in note.parent.iterdir()) == ["RNN.md"]


def test_failed_write_keeps_the_old_file_whole_and_is_reported(vault, monkeypatch):
    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixes.os, "replace", fail)
    note = vault / "Deep Learning/RNN.md"
    before = note.read_bytes()
    out = apply_fixes(vault, [replace("Deep Learning/RNN.md", 1, 4, 11, "nn.LSTM")], unsafe=False, write=True)
    assert (out.applied, out.skipped, out.changed_paths) == (0, 1, [])
    assert "cannot write: No space left on device" in out.problems[0]
    assert note.read_bytes() == before
    assert sorted(p.name for p in note.parent.iterdir()) == ["RNN.md"]


# Any set of non-overlapping replacements gives the same text as applying them
# one by one from the end of the line; the order the diagnostics come in does not matter.
@settings(max_examples=60, deadline=None)
@given(
    line=st.text(alphabet="ab日\t ", min_size=0, max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=30), max_size=8),
    data=st.data(),
)
def test_disjoint_edits_apply_like_sequential_replacement(tmp_path_factory, line, cuts, data):
    root = tmp_path_factory.mktemp("v")
    (root / "N.md").write_text(line + "\n", encoding="utf-8")
    points = sorted({c for c in cuts if c <= len(line)})
    ranges = [(a, b) for a, b in zip(points, points[1:]) if a < b][::2]  # disjoint, gaps between
    texts = [data.draw(st.text(alphabet="xyz", max_size=3)) for _ in ranges]
    ds = [replace("N.md", 0, a, b, t) for (a, b), t in zip(ranges, texts)]
    order = data.draw(st.permutations(ds))
    out = apply_fixes(root, order, unsafe=False, write=True)
    expected = line
    for (a, b), t in sorted(zip(ranges, texts), reverse=True):
        expected = expected[:a] + t + expected[b:]
    assert out.applied == len(ds) and out.skipped == 0
    assert (root / "N.md").read_text(encoding="utf-8") == expected + "\n"


def test_summary_line_tells_what_happened(vault):
    ds = [
        replace("Deep Learning/RNN.md", 1, 4, 11, "nn.LSTM"),
        replace("Deep Learning/RNN.md", 1, 5, 6, "N"),
        replace("Deep Learning/RNN.md", 2, 4, 10, "F.relu", applicability="unsafe"),
    ]
    preview = apply_fixes(vault, ds, unsafe=False, write=False)
    assert preview.summary(write=False) == (
        "Would fix 1 problem, 1 fix skipped. 1 more fix available with --unsafe-fixes."
    )
    done = apply_fixes(vault, ds[2:], unsafe=True, write=True)
    assert done.summary(write=True) == "Fixed 1 problem."


def test_read_only_note_is_left_alone(vault):
    note = vault / "Deep Learning/RNN.md"
    note.chmod(0o444)
    out = apply_fixes(vault, [replace("Deep Learning/RNN.md", 1, 4, 11, "nn.LSTM")], unsafe=False, write=True)
    assert (out.applied, out.skipped) == (0, 1)
    assert "read-only" in out.problems[0]
    assert b"nn.LTSM" in note.read_bytes()
    assert stat.S_IMODE(note.stat().st_mode) == 0o444
