"""JUnit XML: one test case per checked note, one ``<failure>`` per diagnostic.

CI dashboards (GitLab, Jenkins, Azure) show a vault as a test suite named
``vaultkit``: a clean note passes, a note with findings fails with one
failure each.  ``classname`` is the note's folder (``.`` at the vault root),
``name`` its vault-relative path.  A diagnostic on a file that was not among
the checked notes (an unreadable file, say) gets a test case of its own.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ..diagnostics import Severity

# Characters XML 1.0 cannot carry at all, even escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\N{REPLACEMENT CHARACTER}", text)


# severity -> label, looked up per diagnostic (an IntEnum: a plain int finds its member too)
_LABELS = {severity: severity.label for severity in Severity}


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else "."


def render(result, *, color: bool = False, base: Path | None = None) -> str:
    by_path: dict[str, list] = {}
    for path in getattr(result, "paths", None) or ():
        by_path.setdefault(path, [])
    for d in result.diagnostics:
        by_path.setdefault(d.path, []).append(d)
    failures = sum(len(ds) for ds in by_path.values())
    failed_cases = sum(1 for ds in by_path.values() if ds)

    suites = ET.Element(
        "testsuites",
        name="vaultkit",
        tests=str(len(by_path)),
        failures=str(failed_cases),
        errors="0",
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="vaultkit",
        tests=str(len(by_path)),
        failures=str(failed_cases),
        errors="0",
        skipped="0",
        # the check date, not the clock: reports stay reproducible
        timestamp=f"{result.today.isoformat()}T00:00:00",
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="vaultkit.version", value=_clean(str(result.version)))
    ET.SubElement(props, "property", name="diagnostics", value=str(failures))
    for path in sorted(by_path):
        case = ET.SubElement(suite, "testcase", classname=_clean(_folder(path)), name=_clean(path))
        for d in by_path[path]:
            where = f"{path}:{d.span.line + 1}:{d.span.col + 1}"
            label = _LABELS[d.severity]
            failure = ET.SubElement(
                case,
                "failure",
                message=_clean(f"{d.code} {d.message}"),
                type=f"{d.code} {d.rule} ({label})",
            )
            failure.text = _clean(f"{where}: {d.code} [{label}] {d.message}")
    ET.indent(suites, space="  ")
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
