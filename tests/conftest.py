"""Shared fixtures: run the CLI in-process, build small vaults, fingerprint a vault.

Keep this file small; helpers used by one test module belong in that module.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest

@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        try:
            return json.loads(self.out)
        except json.JSONDecodeError as exc:
            raise AssertionError(
                f"stdout is not JSON ({exc}); exit {self.code}\n--- stdout ---\n"
                f"{self.out[:2000]}\n--- stderr ---\n{self.err[:2000]}"
            ) from None


@pytest.fixture(scope="session", autouse=True)
def shared_api_index(tmp_path_factory):
    """One torch name index for the whole session (building it imports torch: seconds).

    Tests that want a cold parse or result cache still get a fresh
    VAULTKIT_CACHE_DIR; the name index only depends on the installed torch.
    """
    if os.environ.get("VAULTKIT_API_INDEX_DIR"):
        yield
        return
    os.environ["VAULTKIT_API_INDEX_DIR"] = str(tmp_path_factory.mktemp("api-index"))
    try:
        yield
    finally:
        os.environ.pop("VAULTKIT_API_INDEX_DIR", None)


@pytest.fixture(scope="session", autouse=True)
def no_exec_daemon():
    """No test starts the shared code-block daemon (it would outlive the suite);
    tests/test_exec_daemon.py turns it on for itself, in a temporary directory."""
    before = os.environ.get("VAULTKIT_EXEC_DAEMON")
    os.environ["VAULTKIT_EXEC_DAEMON"] = "0"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("VAULTKIT_EXEC_DAEMON", None)
        else:
            os.environ["VAULTKIT_EXEC_DAEMON"] = before


@pytest.fixture
def cli(capsys, tmp_path_factory, monkeypatch):
    """``cli([...]) -> CliResult``: ``vaultkit.cli.run`` with stdout/stderr captured.

    Caches go to a temporary directory so tests never touch the user's cache
    and never depend on a warm one left by an earlier run.
    """
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path_factory.mktemp("vaultkit-cache")))
    monkeypatch.setenv("NO_COLOR", "1")

    def run(argv: list[str]) -> CliResult:
        from vaultkit.cli import run as cli_run

        capsys.readouterr()  # drop anything printed before
        code = cli_run([str(a) for a in argv])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def make_vault(tmp_path):
    """``make_vault({"A.md": "text" or b"bytes", ...}) -> Path`` under tmp_path/vault."""

    def build(files: dict[str, str | bytes], name: str = "vault") -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
        return root

    return build


def fingerprint(root: Path) -> dict[str, str]:
    """Every entry under ``root`` with a hash of its bytes (regular files) or its kind.

    Never opens anything but regular files (a FIFO would block) and never
    follows symlinks (a loop would never end).
    """
    result: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                result[rel] = "link->" + os.readlink(path)
            elif stat.S_ISREG(mode):
                try:
                    result[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
                except PermissionError:  # a test made it unreadable on purpose
                    st = path.lstat()
                    result[rel] = f"unreadable:{st.st_size}:{st.st_mtime_ns}:{st.st_mode:o}"
            elif stat.S_ISDIR(mode):
                result[rel] = "dir"
            else:
                result[rel] = f"special:{stat.S_IFMT(mode):o}"
    return result


@pytest.fixture(scope="session")
def vault_fingerprint():
    """The :func:`fingerprint` function, for asserting that a vault was not written."""
    return fingerprint
