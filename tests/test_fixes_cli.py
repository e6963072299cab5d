"""`vaultkit check` writes into a vault only when asked: --fix / --unsafe-fixes.

End to end through the CLI: a plain check (in every format) and ``--diff``
leave every byte, every mtime and the file list of the vault as they were;
``--fix --unsafe-fixes`` changes exactly the fixed text and keeps CRLF.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from vaultkit.cli import run

if importlib.util.find_spec("vaultkit.commands.check") is None:  # lands with the engine
    pytest.skip("vaultkit check is not there yet", allow_module_level=True)

from seeds import SEEDS  # noqa: E402


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Content hash, mode and mtime of everything under root, directories included."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        out[p.relative_to(root).as_posix()] = (digest, st.st_mode, st.st_mtime_ns)
    return out


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    (root / ".obsidian" / "app.json").write_text("{}\n")
    # no code execution here: it is slow and not what these tests are about
    (root / ".vaultkit.toml").write_text("[exec]\nenabled = false\n")
    (root / "Deep Learning").mkdir()
    (root / "Deep Learning" / "RNN.md").write_bytes(
        b"# RNN\r\nUse nn.LTSM for sequences.\r\nSee [[Missing Note]] and [[Index]].\r\n"
    )
    (root / "Index.md").write_bytes(b"\xef\xbb\xbf# Index\n[[RNN]] and [[Nowhere#Heading]]\n")
    for seed in sorted(SEEDS.glob("*.md")) if SEEDS.is_dir() else ():
        shutil.copy2(seed, root / seed.name)
    return root


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_plain_check_leaves_every_byte_of_the_vault_unchanged(vault, tmp_path, fmt, capsys):
    before = snapshot(vault)
    code = run(["check", str(vault), "--format", fmt])
    assert code in (0, 1)
    assert snapshot(vault) == before
    assert capsys.readouterr().out  # it did report


def test_diff_shows_fixes_and_writes_nothing(vault, capsys):
    before = snapshot(vault)
    run(["check", str(vault), "--diff", "--unsafe-fixes"])
    out = capsys.readouterr().out
    assert snapshot(vault) == before
    assert "-Use nn.LTSM for sequences." in out
    assert "+Use nn.LSTM for sequences." in out


def test_fix_writes_only_the_fixes_and_keeps_line_endings(vault, tmp_path, capsys):
    report = tmp_path / "before.json"
    run(["check", str(vault), "--format", "json", "--output", str(report)])
    found = json.loads(report.read_text(encoding="utf-8"))["diagnostics"]
    fixed_paths = {
        e["path"] for d in found if d["fix"] for e in d["fix"]["edits"]
    }
    before = snapshot(vault)

    run(["check", str(vault), "--fix", "--unsafe-fixes"])
    capsys.readouterr()
    after = snapshot(vault)

    note = vault / "Deep Learning" / "RNN.md"
    assert note.read_bytes().startswith(b"# RNN\r\nUse nn.LSTM for sequences.\r\n")
    assert b"\r\n" in note.read_bytes() and b"\n" not in note.read_bytes().replace(b"\r\n", b"")
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    # only files a fix named changed (and folders a new note was created in)
    assert {p for p in changed if p in after and after[p][0] != "dir"} <= fixed_paths
    assert not [p for p in vault.rglob("*vaultkit-tmp*")]


def test_fix_is_not_applied_without_the_flag(vault, capsys):
    run(["check", str(vault), "--fix"])  # the nn.LSTM fix is unsafe: --fix alone leaves it
    capsys.readouterr()
    assert (vault / "Deep Learning" / "RNN.md").read_bytes().count(b"nn.LTSM") == 1
