"""Finding a vault's files and reading notes without ever failing on bad input.

Dot-folders (``.obsidian``, ``.trash``, ``.git``) are not part of a vault.
Symlinked folders are followed once; a loop is reported, never walked again.
Every problem becomes a :class:`FileProblem` that the VK9xx rules report.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .span import Span

# A note larger than this is not parsed (reported as VK903): a 50 MB "note" is
# almost always a pasted log or a generated file.
MAX_NOTE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class FileProblem:
    path: str  # vault-relative POSIX path
    kind: str  # "encoding" | "binary" | "too-large" | "unreadable" | "symlink-loop" | "settings"
    message: str
    span: Span = Span(0, 0, 0, 0)


@dataclass(frozen=True)
class FileEntry:
    path: str  # vault-relative POSIX path
    size: int
    mtime_ns: int


def discover(root: Path) -> tuple[list[FileEntry], list[FileEntry], list[FileProblem]]:
    """Notes (``*.md``), attachments (every other file) and problems under ``root``."""
    notes: list[FileEntry] = []
    attachments: list[FileEntry] = []
    problems: list[FileProblem] = []
    seen_dirs: set[tuple[int, int]] = set()
    root_str = str(root)

    def walk(directory: str, rel: str) -> None:
        try:
            st = os.stat(directory)
        except OSError as exc:
            problems.append(FileProblem(rel or ".", "unreadable", f"cannot open folder: {exc.strerror}"))
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            problems.append(
                FileProblem(rel or ".", "symlink-loop", "folder already visited through another path (symlink loop); skipped")
            )
            return
        seen_dirs.add(key)
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            problems.append(FileProblem(rel or ".", "unreadable", f"cannot list folder: {exc.strerror}"))
            return
        entries.sort(key=lambda e: e.name)
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            child_rel = f"{rel}/{name}" if rel else name
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                is_dir = False
            if is_dir:
                walk(entry.path, child_rel)
                continue
            try:
                st = entry.stat()
            except OSError as exc:
                if entry.is_symlink():
                    problems.append(FileProblem(child_rel, "unreadable", "broken symbolic link"))
                else:
                    problems.append(FileProblem(child_rel, "unreadable", f"cannot read: {exc.strerror}"))
                continue
            if not entry.is_file():
                if name.lower().endswith(".md"):
                    problems.append(FileProblem(child_rel, "unreadable", "not a regular file"))
                continue
            item = FileEntry(child_rel, st.st_size, st.st_mtime_ns)
            (notes if name.lower().endswith(".md") else attachments).append(item)

    walk(root_str, "")
    return notes, attachments, problems


def _position_of_byte(data: bytes, offset: int) -> Span:
    line = data.count(b"\n", 0, offset)
    line_start = data.rfind(b"\n", 0, offset) + 1
    col = len(data[line_start:offset].decode("utf-8", "replace"))
    return Span(line, col, line, col + 1)


def decode_note(path: str, data: bytes) -> tuple[str | None, FileProblem | None]:
    """The note's text, or a located problem saying why it cannot be read."""
    head = data[:8192]
    if b"\x00" in head and not (head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff")):
        return None, FileProblem(path, "binary", "binary file with a .md name (contains NUL bytes); not checked")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, FileProblem(path, "encoding", "file is UTF-16 encoded; Obsidian expects UTF-8")
    try:
        text = data.decode("utf-8")  # then the BOM off: "utf-8-sig" decodes a fifth slower
        return (text[1:] if text.startswith("\ufeff") else text), None
    except UnicodeDecodeError as exc:
        span = _position_of_byte(data, exc.start)
        return None, FileProblem(
            path,
            "encoding",
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at line {span.line + 1}, "
            f"column {span.col + 1} (offset {exc.start}); the note was not checked",
            span,
        )


def read_note(root: Path, entry: FileEntry) -> tuple[str | None, FileProblem | None]:
    if entry.size > MAX_NOTE_BYTES:
        return None, FileProblem(
            entry.path,
            "too-large",
            f"note is {entry.size / 1048576:.0f} MB, over the {MAX_NOTE_BYTES // 1048576} MB limit; not checked",
        )
    try:
        # Unbuffered, and the path joined as a str: a third cheaper than
        # open(root / path) for the 10k small files of a cold load.
        with open(os.path.join(root, entry.path), "rb", buffering=0) as handle:
            data = handle.read()
    except OSError as exc:
        return None, FileProblem(entry.path, "unreadable", f"cannot read: {exc.strerror or exc}")
    return decode_note(entry.path, data)


@dataclass(frozen=True)
class AppSettings:
    """The parts of ``.obsidian/app.json`` that change what vaultkit reports."""

    user_ignore_filters: tuple[str, ...] = ()
    new_link_format: str = "shortest"
    use_markdown_links: bool = False

    def is_ignored(self, path: str) -> bool:
        for pattern in self.user_ignore_filters:
            if len(pattern) > 2 and pattern.startswith("/") and pattern.endswith("/"):
                try:
                    if re.search(pattern[1:-1], path):
                        return True
                except re.error:
                    continue
            elif path.startswith(pattern) or path.lower().startswith(pattern.lower()):
                return True
        return False


def load_app_settings(root: Path) -> tuple[AppSettings, FileProblem | None]:
    path = root / ".obsidian" / "app.json"
    if not path.is_file():
        return AppSettings(), None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        span = Span(0, 0, 0, 1)
        if isinstance(exc, json.JSONDecodeError):
            span = Span(exc.lineno - 1, exc.colno - 1, exc.lineno - 1, exc.colno)
        return AppSettings(), FileProblem(".obsidian/app.json", "settings", f"cannot read Obsidian settings: {exc}", span)
    if not isinstance(data, dict):
        return AppSettings(), FileProblem(".obsidian/app.json", "settings", "Obsidian settings must be a JSON object")
    filters = data.get("userIgnoreFilters") or []
    if not isinstance(filters, list):
        filters = []
    return (
        AppSettings(
            user_ignore_filters=tuple(str(f) for f in filters if isinstance(f, str) and f),
            new_link_format=str(data.get("newLinkFormat", "shortest")),
            use_markdown_links=bool(data.get("useMarkdownLinks", False)),
        ),
        None,
    )
