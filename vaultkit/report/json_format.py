"""The JSON report: a stable contract for scripts (``vaultkit check --format json``).

The contract, version 1.  Keys appear in this order; tests pin it.  A change
that removes or renames a key, or changes a value's meaning, bumps ``version``;
adding a key does not.

``version``
    integer, ``1``.
``tool``
    ``{"name": "vaultkit", "version": "<vaultkit version>"}``.
``vault``
    the vault root as vaultkit was given it (a path string, POSIX separators).
``today``
    the date the check ran as of, ``"YYYY-MM-DD"`` (``--today`` or the clock).
``summary``
    ``notes``: number of notes checked;
    ``diagnostics``: number of diagnostics;
    ``by_code``: ``{"VK101": n, ...}``, only codes that occur, sorted by code;
    ``by_severity``: ``{"error": n, "warning": n, "info": n, "hint": n}``,
    always all four keys.
``diagnostics``
    a list sorted by path, line, column, code, message.  Each item:

    ``path``
        the note, a POSIX path relative to the vault root (``"Folder/My Note.md"``).
    ``line``, ``column``
        where the problem starts, 1-based; columns count Unicode code points
        (not bytes, not UTF-16 units).
    ``end_line``, ``end_column``
        where it ends, 1-based, exclusive: the column just past the last
        character (a one-character span at column 5 ends at column 6).
    ``code``
        the rule code, ``"VK101"``.
    ``rule``
        the rule name, ``"broken-wikilink"``.
    ``severity``
        ``"error"``, ``"warning"``, ``"info"`` or ``"hint"``.
    ``message``
        one sentence for a human.
    ``fix``
        ``null``, or ``{"title": str, "applicability": "safe"|"unsafe",
        "edits": [...]}``.  Each edit is ``{"path", "line", "column",
        "end_line", "end_column", "new_text"}`` with the same coordinates as a
        diagnostic, in the file as it is on disk; an edit whose coordinates
        are all ``null`` creates the file ``path`` with ``new_text`` as its
        content (it never overwrites an existing file).
    ``related``
        a list of other places that explain the problem:
        ``{"path", "line", "column", "end_line", "end_column", "message"}``.
"""

from __future__ import annotations

import json
from json.encoder import c_make_encoder, encode_basestring
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, Severity
from ._common import counts_by_code, counts_by_severity, fix_to_dict, one_based

CONTRACT_VERSION = 1


_LABELS = {severity: severity.label for severity in Severity}


def diagnostic_to_dict(d: Diagnostic) -> dict[str, Any]:
    span = d.span
    return {
        "path": d.path,
        "line": span.line + 1,
        "column": span.col + 1,
        "end_line": span.end_line + 1,
        "end_column": span.end_col + 1,
        "code": d.code,
        "rule": d.rule,
        "severity": _LABELS[d.severity],
        "message": d.message,
        "fix": fix_to_dict(d.fix) if d.fix is not None else None,
        "related": [
            {"path": r.path, **one_based(r.span), "message": r.message} for r in d.related
        ],
    }


def to_dict(result) -> dict[str, Any]:
    diagnostics = list(result.diagnostics)
    return {
        "version": CONTRACT_VERSION,
        "tool": {"name": "vaultkit", "version": result.version},
        "vault": Path(result.root).as_posix(),
        "today": result.today.isoformat(),
        "summary": {
            "notes": result.notes,
            "diagnostics": len(diagnostics),
            "by_code": counts_by_code(diagnostics),
            "by_severity": counts_by_severity(diagnostics),
        },
        "diagnostics": [diagnostic_to_dict(d) for d in diagnostics],
    }


def _row_encoder():
    """``json.JSONEncoder(ensure_ascii=False).encode`` for one row, minus the C encoder
    that ``encode`` builds afresh on every call (a fifth of the report's time)."""
    encoder = json.JSONEncoder(ensure_ascii=False)
    if c_make_encoder is None:  # no _json accelerator (another Python)
        return encoder.encode
    # The arguments JSONEncoder.iterencode passes, without the circular-reference
    # markers: rows are fresh dicts of plain values.
    make = c_make_encoder(None, encoder.default, encode_basestring, None, encoder.key_separator,
                          encoder.item_separator, False, False, True)
    return lambda row: "".join(make(row, 0))


def render(result, *, color: bool = False, base: Path | None = None) -> str:
    """The document, indented, with one diagnostic per line.

    One line per diagnostic keeps the report readable and diff- and grep-able,
    and lets each line be encoded by the C encoder: ``indent=2`` on the whole
    document runs Python's pure encoder (1.3 s for 41k diagnostics).
    """
    # ensure_ascii=False: note names are often not ASCII and the output is UTF-8.
    data = to_dict(result)
    diagnostics = data.pop("diagnostics")
    head = json.dumps(data, indent=2, ensure_ascii=False)
    if not diagnostics:
        return head[:-2] + ',\n  "diagnostics": []\n}\n'
    encode = _row_encoder()
    rows = ",\n".join("    " + encode(d) for d in diagnostics)
    return head[:-2] + ',\n  "diagnostics": [\n' + rows + "\n  ]\n}\n"
