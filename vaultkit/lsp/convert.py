"""vaultkit data <-> LSP types, at the boundary and nowhere else.

Spans count code points; clients count UTF-16 code units unless they
negotiated UTF-8 or UTF-32 (``general.positionEncodings``).  Converting needs
the text of the line, so every function takes the note's lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Sequence
from urllib.parse import quote, unquote, urlparse

from lsprotocol import types

from ..core.span import Span
from ..diagnostics import Diagnostic, Fix, Severity

UTF8 = "utf-8"
UTF16 = "utf-16"
UTF32 = "utf-32"

SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}

LinesOf = Callable[[str], Sequence[str]]


def _units(char: str, encoding: str) -> int:
    code = ord(char)
    if encoding == UTF32:
        return 1
    if encoding == UTF8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 2 if code > 0xFFFF else 1


def col_to_client(line: str, col: int, encoding: str) -> int:
    """Code-point column -> the client's code units (clamped to the line)."""
    col = max(0, min(col, len(line)))
    if encoding == UTF32 or line.isascii():
        return col
    return sum(_units(c, encoding) for c in line[:col])


def col_from_client(line: str, units: int, encoding: str) -> int:
    """The client's code units -> code-point column; a position inside a
    surrogate pair or a multi-byte sequence snaps to the character's end."""
    if units <= 0:
        return 0
    if encoding == UTF32 or line.isascii():
        return min(units, len(line))
    seen = 0
    for index, char in enumerate(line):
        if seen >= units:
            return index
        seen += _units(char, encoding)
    return len(line)


def _line(lines: Sequence[str], number: int) -> str:
    if 0 <= number < len(lines):
        return lines[number].rstrip("\r\n")
    return ""


def position(lines: Sequence[str], line: int, col: int, encoding: str) -> types.Position:
    return types.Position(line=max(line, 0), character=col_to_client(_line(lines, line), col, encoding))


def span_to_range(span: Span, lines: Sequence[str], encoding: str) -> types.Range:
    return types.Range(
        start=position(lines, span.line, span.col, encoding),
        end=position(lines, span.end_line, span.end_col, encoding),
    )


def from_position(pos: types.Position, lines: Sequence[str], encoding: str) -> tuple[int, int]:
    """An LSP position -> (line, code-point column)."""
    return pos.line, col_from_client(_line(lines, pos.line), pos.character, encoding)


def range_to_span(rng: types.Range, lines: Sequence[str], encoding: str) -> Span:
    line, col = from_position(rng.start, lines, encoding)
    end_line, end_col = from_position(rng.end, lines, encoding)
    return Span(line, col, end_line, end_col)


# --- URIs -------------------------------------------------------------------


def uri_to_path(uri: str) -> Path | None:
    """A ``file:`` URI -> absolute path; None for any other scheme or garbage."""
    try:
        parsed = urlparse(uri)
    except (ValueError, TypeError):
        return None
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    path = unquote(parsed.path)
    if not path.startswith("/"):
        return None
    return Path(path)


def path_to_uri(path: Path) -> str:
    return "file://" + quote(path.as_posix(), safe="/:@!$&'()*+,;=-._~")


# --- diagnostics --------------------------------------------------------------


def to_lsp_diagnostic(
    diag: Diagnostic,
    lines: Sequence[str],
    encoding: str,
    *,
    uri_of: Callable[[str], str],
    lines_of: LinesOf,
) -> types.Diagnostic:
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(
                uri=uri_of(rel.path),
                range=span_to_range(rel.span, lines_of(rel.path), encoding),
            ),
            message=rel.message,
        )
        for rel in diag.related
    ]
    return types.Diagnostic(
        range=span_to_range(diag.span, lines, encoding),
        message=diag.message,
        severity=SEVERITY.get(diag.severity, types.DiagnosticSeverity.Warning),
        code=diag.code,
        source="vaultkit",
        related_information=related or None,
        # The rule name lets a client show "VK101 broken-wikilink" and lets a
        # code-action request find our Diagnostic again.
        data={"rule": diag.rule},
    )


# --- fixes ----------------------------------------------------------------------


def fix_to_workspace_edit(
    fix: Fix,
    encoding: str,
    *,
    uri_of: Callable[[str], str],
    lines_of: LinesOf,
    version_of: Callable[[str], int | None],
    resource_operations: bool = True,
) -> types.WorkspaceEdit | None:
    """A Fix -> a WorkspaceEdit with documentChanges (creates come first).

    Returns None when the fix creates a file and the client cannot create files.
    """
    changes: list = []
    by_path: dict[str, list[types.TextEdit]] = {}
    created: set[str] = set()
    for edit in fix.edits:
        if edit.span is None:
            if not resource_operations:
                return None
            uri = uri_of(edit.path)
            changes.append(
                types.CreateFile(uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True))
            )
            created.add(edit.path)
            if edit.new_text:
                by_path.setdefault(edit.path, []).append(
                    types.TextEdit(range=types.Range(types.Position(0, 0), types.Position(0, 0)), new_text=edit.new_text)
                )
            continue
        lines = () if edit.path in created else lines_of(edit.path)
        by_path.setdefault(edit.path, []).append(
            types.TextEdit(range=span_to_range(edit.span, lines, encoding), new_text=edit.new_text)
        )
    for path, edits in by_path.items():
        version = None if path in created else version_of(path)
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri_of(path), version=version),
                edits=edits,
            )
        )
    return types.WorkspaceEdit(document_changes=changes)


def fix_to_code_action(
    fix: Fix,
    diagnostics: Iterable[types.Diagnostic],
    edit: types.WorkspaceEdit,
    *,
    preferred: bool = False,
) -> types.CodeAction:
    return types.CodeAction(
        title=fix.title if fix.is_safe else f"{fix.title} (unsafe)",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=list(diagnostics) or None,
        edit=edit,
        is_preferred=preferred or None,
    )
