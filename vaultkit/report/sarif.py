"""SARIF 2.1.0, the subset GitHub code scanning reads.

File locations are written as GitHub needs them: relative to the directory
vaultkit ran in (the repository checkout in CI) with ``uriBaseId``
``%SRCROOT%``; a vault outside that directory gets absolute ``file://`` URIs
and no base id (SARIF forbids a base id on an absolute URI).  Columns count
code points, declared with ``columnKind: unicodeCodePoints``.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..diagnostics import Diagnostic, Edit, Severity
from ._common import display_path, rule_names
from ._json import dumps_indented

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# Where a user reads about the tool; the project's home page once it has one.
INFORMATION_URI = "https://pypi.org/project/vaultkit/"

_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.HINT: "note",
}


def _rule_class(code: str):
    try:
        from ..checks.registry import RULES
    except ImportError:  # pragma: no cover - the registry is part of the package
        return None
    return RULES.get(code)


def _section(doc: str, title: str) -> str:
    """The text under ``## title`` in a rule docstring, up to the next heading."""
    match = re.search(rf"^##\s+{re.escape(title)}\s*$(.*?)(?=^##\s|\Z)", doc, re.M | re.S)
    if not match:
        return ""
    # Docstrings are hard-wrapped; a plain-text description reads better unwrapped.
    return re.sub(r"(?<!\n)\n(?!\n)", " ", match.group(1).strip())


def _rule_descriptor(code: str, name: str) -> dict[str, Any]:
    rule = _rule_class(code)
    descriptor: dict[str, Any] = {"id": code, "name": name}
    if rule is None:
        descriptor["shortDescription"] = {"text": name}
        return descriptor
    doc = rule.doc()
    summary = rule.summary() or name
    descriptor["name"] = rule.name or name
    descriptor["shortDescription"] = {"text": summary}
    descriptor["fullDescription"] = {"text": _section(doc, "What it does") or summary}
    descriptor["help"] = {"text": doc, "markdown": doc}
    descriptor["defaultConfiguration"] = {"level": _LEVEL[Severity(rule.severity)]}
    return descriptor


def _artifact(root: str, path: str, base: Path | None) -> dict[str, Any]:
    shown = display_path(root, path, base)
    shown_path = Path(shown)
    if shown_path.is_absolute():
        return {"uri": shown_path.as_uri()}
    return {"uri": quote(shown, safe="/"), "uriBaseId": "%SRCROOT%"}


def _region(span) -> dict[str, int]:
    return {
        "startLine": span.line + 1,
        "startColumn": span.col + 1,
        "endLine": span.end_line + 1,
        "endColumn": span.end_col + 1,
    }


def _fix(d: Diagnostic, artifact) -> dict[str, Any]:
    by_path: dict[str, list[Edit]] = {}
    for edit in d.fix.edits:
        by_path.setdefault(edit.path, []).append(edit)
    changes = []
    for path, edits in by_path.items():
        replacements = []
        for edit in edits:
            # A new file: SARIF has no "create", so insert at its very start.
            region = (
                {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}
                if edit.span is None
                else _region(edit.span)
            )
            replacements.append({"deletedRegion": region, "insertedContent": {"text": edit.new_text}})
        changes.append({"artifactLocation": artifact(path), "replacements": replacements})
    return {"description": {"text": d.fix.title}, "artifactChanges": changes}


def to_dict(result, base: Path | None = None) -> dict[str, Any]:
    diagnostics = list(result.diagnostics)
    names = rule_names(diagnostics)
    codes = sorted(names)
    index = {code: i for i, code in enumerate(codes)}

    root = os.fspath(result.root)  # display_path would convert it once per note

    @lru_cache(maxsize=None)  # one relpath per note, not per result
    def _location(path: str) -> tuple[tuple[str, str], ...]:
        return tuple(_artifact(root, path, base).items())

    def artifact(path: str) -> dict[str, str]:
        return dict(_location(path))

    results = []
    for d in diagnostics:
        item: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _LEVEL[d.severity],  # an IntEnum: a plain int finds its member too
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact(d.path),
                        "region": _region(d.span),
                    }
                }
            ],
        }
        if d.related:
            item["relatedLocations"] = [
                {
                    "id": i,
                    "message": {"text": r.message},
                    "physicalLocation": {
                        "artifactLocation": artifact(r.path),
                        "region": _region(r.span),
                    },
                }
                for i, r in enumerate(d.related)
            ]
        if d.fix is not None and d.fix.edits:
            item["fixes"] = [_fix(d, artifact)]
        results.append(item)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vaultkit",
                        "version": result.version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_descriptor(code, names[code]) for code in codes],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(result, *, color: bool = False, base: Path | None = None) -> str:
    return dumps_indented(to_dict(result, base), indent=2) + "\n"
