"""Code actions: the rules' own fixes, plus "disable this rule on this line"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from ..core.span import Span
from ..diagnostics import Fix, Edit
from . import convert, lookup

if TYPE_CHECKING:
    from .server import VaultkitServer


def _overlaps(span: Span, start: tuple[int, int], end: tuple[int, int]) -> bool:
    return (span.line, span.col) <= end and start <= (span.end_line, span.end_col)


def _in_code(note, line: int) -> bool:
    return any(block.span.line <= line <= block.span.end_line for block in note.code_blocks)


async def code_actions(ls: "VaultkitServer", params: types.CodeActionParams):
    uri = params.text_document.uri
    doc = await lookup.document(ls, uri)
    if doc is None:
        return None
    report = ls.diagnostics.reports.get(uri)
    if report is None:
        return []
    start = doc.position(params.range.start)
    end = doc.position(params.range.end)
    caps = ls.client_capabilities
    edit_caps = caps.workspace.workspace_edit if caps and caps.workspace else None
    can_create = bool(edit_caps and edit_caps.resource_operations and "create" in edit_caps.resource_operations)
    only = set(params.context.only or ())
    if only and not any(kind.startswith("quickfix") for kind in only):
        return []

    def version_of(rel: str) -> int | None:
        text_doc = lookup.open_document(ls, doc.uri_of(rel))
        return text_doc.version if text_doc is not None else None

    actions: list[types.CodeAction] = []
    disabled: set[tuple[int, str]] = set()
    for diag, item in zip(report.diagnostics, report.items):
        if not _overlaps(diag.span, start, end):
            continue
        fixes = ([diag.fix] if diag.fix is not None else []) + list(getattr(diag, "alternatives", ()))
        for n, fix in enumerate(fixes):
            edit = convert.fix_to_workspace_edit(
                fix,
                doc.encoding,
                uri_of=doc.uri_of,
                lines_of=doc.lines_of,
                version_of=version_of,
                resource_operations=can_create,
            )
            if edit is not None:
                preferred = n == 0 and fix is diag.fix and fix.is_safe
                actions.append(convert.fix_to_code_action(fix, [item], edit, preferred=preferred))
        line = diag.span.line
        if (line, diag.code) in disabled or _in_code(doc.note, line) or line >= len(doc.lines):
            continue
        disabled.add((line, diag.code))
        fix = _disable_fix(doc, diag.path, line, diag.code)
        edit = convert.fix_to_workspace_edit(
            fix, doc.encoding, uri_of=doc.uri_of, lines_of=doc.lines_of, version_of=version_of
        )
        actions.append(convert.fix_to_code_action(fix, [item], edit))
    return actions


def _disable_fix(doc, path: str, line: int, code: str) -> Fix:
    """A heading keeps its text clean (directive on the line above); any other
    line gets an invisible comment at its end."""
    text = doc.lines[line]
    title = f"Disable {code} on this line"
    if lookup.heading_on(doc.note, line) is not None:
        indent = text[: len(text) - len(text.lstrip())]
        edit = Edit(path, Span(line, 0, line, 0), f"{indent}<!-- vaultkit: disable-next-line {code} -->\n")
    else:
        end = len(text.rstrip("\r"))
        edit = Edit(path, Span(line, end, line, end), f" <!-- vaultkit: disable-line {code} -->")
    return Fix(title, (edit,), "safe")
