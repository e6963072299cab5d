"""Reporters: what `vaultkit check --format ...` prints.

Snapshot files under tests/snapshots/ are compared byte for byte.  After an
intended change, regenerate them with ``VAULTKIT_UPDATE_SNAPSHOTS=1 pytest
tests/test_report.py`` and review the diff.  Inputs are hand-made
diagnostics, so the snapshots do not move when a check rewords a message.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from vaultkit.checks import registry
from vaultkit.config import Config
from vaultkit.core.span import Span
from vaultkit.diagnostics import Diagnostic, Edit, Fix, Related, Severity
from vaultkit.report import FORMATS, render
from vaultkit.report import json_format
from vaultkit.report.github import escape_data, escape_property
from vaultkit.runner import CheckResult

SNAPSHOTS = Path(__file__).parent / "snapshots"
BASE = Path("/work/repo")  # the "current directory" the paths are shown relative to

SOURCES = {
    "Deep Learning/Tensors.md": [
        "# Tensors",
        "A tensor is like [[NumPy Arrays]] but on the GPU.",
        "\tUse nn.LTSM for sequences, not 日本 nn.Linaer.",
        "```python",
        "import torch",
        "x = torch.zeros(2, 3)",
        "```",
    ],
    "Flashcards.md": [
        "What is autograd?::Reverse-mode differentiation",
        "<!--SR:!2025-02-22,3,250-->",
    ],
    "Index.md": ["# Index", "See [[Tensors#Shapes]]."],
}


def _rule(code: str, name: str, severity: Severity, doc: str) -> type:
    # A Rule with an empty code does not register itself; we set the code after.
    cls = type(f"Rule{code}", (registry.Rule,), {"__doc__": doc})
    cls.code, cls.name, cls.severity = code, name, severity
    return cls


FAKE_RULES = {
    "VK101": _rule(
        "VK101",
        "broken-wikilink",
        Severity.ERROR,
        """Link to a note that does not exist.

        ## What it does
        Finds wikilinks whose target note
        is not in the vault.

        ## Why is this bad?
        Obsidian shows the link, clicking it creates an empty note.

        ## Example
        ```markdown
        [[Missing Note]]
        ```

        ## How to fix
        Correct the target or create the note.

        ## Fix safety
        Creating the note is safe.
        """,
    ),
    "VK201": _rule(
        "VK201",
        "unknown-api-name",
        Severity.WARNING,
        """PyTorch name that does not exist.

        ## What it does
        Checks dotted names such as `nn.Linear` against the installed torch.
        """,
    ),
}


@pytest.fixture(autouse=True)
def fake_rules(monkeypatch):
    """Rule docs come from this file, not from whatever checks are registered."""
    monkeypatch.setattr(registry, "RULES", dict(FAKE_RULES))


def _read_lines(path: str) -> list[str]:
    if path not in SOURCES:
        raise FileNotFoundError(path)
    return SOURCES[path]


def diagnostics() -> list[Diagnostic]:
    return [
        Diagnostic(
            "Deep Learning/Tensors.md",
            Span(1, 17, 1, 33),
            "VK101",
            "broken-wikilink",
            Severity.ERROR,
            'No note named "NumPy Arrays"',
            fix=Fix('Create note "NumPy Arrays.md"', (Edit("NumPy Arrays.md", None, "# NumPy Arrays\n"),)),
        ),
        Diagnostic(
            "Deep Learning/Tensors.md",
            Span(2, 5, 2, 12),
            "VK201",
            "unknown-api-name",
            Severity.WARNING,
            "`nn.LTSM` is not in torch.nn",
            fix=Fix(
                "Replace with `nn.LSTM`",
                (Edit("Deep Learning/Tensors.md", Span(2, 5, 2, 12), "nn.LSTM"),),
                "unsafe",
            ),
        ),
        Diagnostic(
            "Deep Learning/Tensors.md",
            Span(2, 35, 2, 44),
            "VK201",
            "unknown-api-name",
            Severity.WARNING,
            "`nn.Linaer` is not in torch.nn",
            data={"suggestions": ["nn.Linear"]},
        ),
        Diagnostic(
            "Deep Learning/Tensors.md",
            Span(3, 0, 7, 0),
            "VK401",
            "code-block-fails",
            Severity.INFO,
            "Code block raises: ModuleNotFoundError",
        ),
        Diagnostic(
            "Flashcards.md",
            Span(1, 0, 1, 27),
            "VK301",
            "overdue-review",
            Severity.HINT,
            "Card is due since 2025-02-22, 99 days ago",
        ),
        Diagnostic(
            "Index.md",
            Span(1, 4, 1, 21),
            "VK102",
            "broken-heading-link",
            Severity.WARNING,
            'No heading "Shapes" in "Deep Learning/Tensors.md"',
            related=(Related("Deep Learning/Tensors.md", Span(0, 0, 0, 9), "headings are: Tensors"),),
        ),
    ]


def make_result(diags=None, *, root: Path = Path("vault"), notes=None) -> CheckResult:
    diags = diagnostics() if diags is None else diags
    paths = sorted(SOURCES) + ["Empty.md"]
    return CheckResult(
        root=root,
        today=dt.date(2025, 6, 1),
        notes=len(paths) if notes is None else notes,
        diagnostics=sorted(diags, key=Diagnostic.sort_key),
        config=Config(),
        read_lines=_read_lines,
        version="0.1.0",
        paths=paths,
    )


def assert_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    data = text.encode("utf-8")
    if os.environ.get("VAULTKIT_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.exists(), f"missing snapshot {path}; run with VAULTKIT_UPDATE_SNAPSHOTS=1"
    assert data == path.read_bytes(), f"{name} differs from its snapshot"


# --- snapshots ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, ext", [("text", "txt"), ("json", "json"), ("sarif", "sarif"), ("github", "txt"), ("junit", "xml")]
)
def test_report_matches_snapshot(fmt, ext):
    assert_snapshot(f"report_{fmt}.{ext}", render(fmt, make_result(), base=BASE))


def test_text_in_colour_matches_snapshot():
    assert_snapshot("report_text_color.txt", render("text", make_result(), color=True, base=BASE))


@pytest.mark.parametrize("fmt, ext", [("text", "txt"), ("json", "json"), ("junit", "xml")])
def test_clean_vault_matches_snapshot(fmt, ext):
    assert_snapshot(f"report_{fmt}_clean.{ext}", render(fmt, make_result([]), base=BASE))


def test_formats_are_the_documented_five():
    assert FORMATS == ("text", "json", "sarif", "github", "junit")


def test_unknown_format_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown format 'yaml'.*text, json"):
        render("yaml", make_result())


# --- text -------------------------------------------------------------------------


def test_text_location_line_is_ruff_like_with_fix_marker():
    out = render("text", make_result(), base=BASE)
    assert 'vault/Deep Learning/Tensors.md:2:18: VK101 [*] No note named "NumPy Arrays"' in out
    # an unsafe fix gets no [*] but its title is offered as help
    assert "vault/Deep Learning/Tensors.md:3:6: VK201 `nn.LTSM` is not in torch.nn" in out
    assert "= help: Replace with `nn.LSTM` (unsafe fix)" in out
    assert "= help: did you mean `nn.Linear`?" in out


def test_text_marker_sits_under_the_span_after_a_tab_and_wide_characters():
    out = render("text", make_result(), base=BASE).splitlines()
    drawn = "3 |     Use nn.LTSM for sequences, not 日本 nn.Linaer."  # the tab drawn as 4 spaces
    first = out.index(drawn)
    marker = out[first + 1]
    assert marker.index("^") == drawn.index("nn.LTSM")
    assert marker.endswith("^" * len("nn.LTSM") + " VK201")
    second = out.index(drawn, first + 1)
    marker = out[second + 1]
    # 日本 is 2 characters but 4 terminal cells: the carets sit 2 characters further right
    assert marker.index("^") == drawn.index("nn.Linaer") + 2
    assert marker.count("^") == len("nn.Linaer")


def test_text_summary_counts_by_code_and_fixable():
    out = render("text", make_result(), base=BASE)
    tail = out.rstrip("\n").splitlines()[-6:]
    assert tail == [
        "  2  VK201  unknown-api-name",
        "  1  VK101  broken-wikilink",
        "  1  VK102  broken-heading-link",
        "  1  VK301  overdue-review",
        "  1  VK401  code-block-fails",
        "Found 6 problems (1 fixable with --fix, 1 more with --unsafe-fixes).",
    ]


def test_text_without_colour_has_no_escape_codes_and_colour_has_them():
    assert "\x1b[" not in render("text", make_result(), base=BASE)
    assert "\x1b[" in render("text", make_result(), color=True, base=BASE)


def test_text_survives_an_unreadable_note_and_a_span_past_the_end():
    diags = [
        Diagnostic("Gone.md", Span(0, 0, 0, 3), "VK901", "unreadable-file", Severity.ERROR, "Cannot read"),
        Diagnostic("Index.md", Span(1, 40, 9, 2), "VK101", "broken-wikilink", Severity.ERROR, "Odd span"),
    ]
    out = render("text", make_result(diags), base=BASE)
    assert "vault/Gone.md:1:1: VK901 Cannot read" in out
    assert "vault/Index.md:2:41: VK101 Odd span" in out
    assert "Found 2 problems." in out


def test_text_cuts_a_long_line_around_the_span(monkeypatch):
    long_line = "x" * 600 + "nn.LTSM" + "y" * 600
    monkeypatch.setitem(SOURCES, "Long.md", [long_line])
    diag = Diagnostic("Long.md", Span(0, 600, 0, 607), "VK201", "unknown-api-name", Severity.WARNING, "m")
    out = render("text", make_result([diag]), base=BASE).splitlines()
    drawn = next(line for line in out if line.startswith("1 | "))
    marker = out[out.index(drawn) + 1]
    assert len(drawn) < 200
    assert drawn.startswith("1 | …x") and drawn.endswith("y…")
    assert drawn[marker.index("^") :].startswith("nn.LTSM")
    assert marker.count("^") == 7


def test_text_shows_paths_relative_to_the_working_directory():
    result = make_result(root=BASE / "notes" / "vault")
    out = render("text", result, base=BASE)
    assert out.startswith("notes/vault/Deep Learning/Tensors.md:2:18:")
    outside = render("text", make_result(root=Path("/elsewhere/vault")), base=BASE)
    assert outside.startswith("/elsewhere/vault/Deep Learning/Tensors.md:2:18:")


def test_text_summary_when_only_unsafe_fixes_exist():
    only_unsafe = [d for d in diagnostics() if d.code == "VK201"]
    out = render("text", make_result(only_unsafe), base=BASE)
    assert out.endswith("Found 2 problems (1 fixable with --fix --unsafe-fixes).\n")


def test_text_clean_vault_says_so():
    assert render("text", make_result([]), base=BASE) == "All checks passed!\n"


# --- json contract ----------------------------------------------------------------


def test_json_contract_top_level_and_diagnostic_keys_are_pinned():
    data = json.loads(render("json", make_result(), base=BASE))
    assert list(data) == ["version", "tool", "vault", "today", "summary", "diagnostics"]
    assert data["version"] == 1
    assert data["tool"] == {"name": "vaultkit", "version": "0.1.0"}
    assert data["vault"] == "vault"
    assert data["today"] == "2025-06-01"
    assert data["summary"] == {
        "notes": 4,
        "diagnostics": 6,
        "by_code": {"VK101": 1, "VK102": 1, "VK201": 2, "VK301": 1, "VK401": 1},
        "by_severity": {"error": 1, "warning": 3, "info": 1, "hint": 1},
    }
    first = data["diagnostics"][0]
    assert list(first) == [
        "path", "line", "column", "end_line", "end_column",
        "code", "rule", "severity", "message", "fix", "related",
    ]  # fmt: skip
    assert first["path"] == "Deep Learning/Tensors.md"
    assert (first["line"], first["column"], first["end_line"], first["end_column"]) == (2, 18, 2, 34)
    assert first["fix"] == {
        "title": 'Create note "NumPy Arrays.md"',
        "applicability": "safe",
        "edits": [
            {"path": "NumPy Arrays.md", "line": None, "column": None, "end_line": None,
             "end_column": None, "new_text": "# NumPy Arrays\n"}
        ],
    }  # fmt: skip
    by_code = {d["code"]: d for d in data["diagnostics"]}
    assert by_code["VK102"]["related"] == [
        {"path": "Deep Learning/Tensors.md", "line": 1, "column": 1, "end_line": 1,
         "end_column": 10, "message": "headings are: Tensors"}
    ]  # fmt: skip
    assert by_code["VK301"]["severity"] == "hint"
    assert by_code["VK401"]["fix"] is None


def test_json_every_field_is_documented_in_the_contract():
    doc = json_format.__doc__
    data = json.loads(render("json", make_result(), base=BASE))
    names = set(data) | set(data["summary"]) | set(data["tool"])
    for d in data["diagnostics"]:
        names |= set(d)
        if d["fix"]:
            names |= set(d["fix"])
            for e in d["fix"]["edits"]:
                names |= set(e)
    for name in names:
        assert f"``{name}``" in doc or f'"{name}"' in doc, f"{name} is not documented"


def test_json_columns_count_code_points_not_bytes():
    diag = Diagnostic("Index.md", Span(0, 3, 0, 5), "VK101", "broken-wikilink", Severity.ERROR, "x")
    data = json.loads(render("json", make_result([diag])))
    assert (data["diagnostics"][0]["column"], data["diagnostics"][0]["end_column"]) == (4, 6)


# --- sarif -----------------------------------------------------------------------


def test_sarif_is_2_1_0_with_rules_from_the_rule_docs():
    log = json.loads(render("sarif", make_result(), base=BASE))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "vaultkit" and driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) == {"VK101", "VK102", "VK201", "VK301", "VK401"}
    assert rules["VK101"]["shortDescription"]["text"] == "Link to a note that does not exist."
    # the hard-wrapped "What it does" section, unwrapped
    assert rules["VK101"]["fullDescription"]["text"] == (
        "Finds wikilinks whose target note is not in the vault."
    )
    assert "## Why is this bad?" in rules["VK101"]["help"]["markdown"]
    assert rules["VK101"]["defaultConfiguration"]["level"] == "error"
    # a code no rule class describes still gets a descriptor
    assert rules["VK401"]["shortDescription"]["text"] == "code-block-fails"
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_results_have_levels_regions_and_repo_relative_uris():
    run = json.loads(render("sarif", make_result(), base=BASE))["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"VK101": "error", "VK102": "warning", "VK201": "warning", "VK301": "note", "VK401": "note"}
    first = run["results"][0]
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "vault/Deep%20Learning/Tensors.md", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 2, "startColumn": 18, "endLine": 2, "endColumn": 34}
    fix = first["fixes"][0]
    assert fix["description"]["text"] == 'Create note "NumPy Arrays.md"'
    change = fix["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "vault/NumPy%20Arrays.md"
    assert change["replacements"][0]["insertedContent"]["text"] == "# NumPy Arrays\n"


def test_sarif_vault_outside_the_working_directory_uses_file_uris():
    run = json.loads(render("sarif", make_result(root=Path("/elsewhere/v")), base=BASE))["runs"][0]
    art = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": "file:///elsewhere/v/Deep%20Learning/Tensors.md"}


# --- github -----------------------------------------------------------------------


def test_github_annotations_one_per_diagnostic():
    lines = render("github", make_result(), base=BASE).splitlines()
    assert len(lines) == 6
    assert lines[0] == (
        "::error file=vault/Deep Learning/Tensors.md,line=2,col=18,endLine=2,endColumn=34,"
        'title=VK101 broken-wikilink::No note named "NumPy Arrays"'
    )
    # info and hint become notices; a multi-line span has no columns
    multi = [line for line in lines if "VK401" in line][0]
    assert multi.startswith("::notice file=vault/Deep Learning/Tensors.md,line=4,endLine=8,title=")


def test_github_escapes_workflow_command_syntax():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a,b:c%") == "a%2Cb%3Ac%25"
    diag = Diagnostic("a,b: c.md", Span(0, 0, 0, 1), "VK101", "broken-wikilink", Severity.ERROR, "x::y\nz")
    line = render("github", make_result([diag]), base=BASE)
    assert line == (
        "::error file=vault/a%2Cb%3A c.md,line=1,col=1,endLine=1,endColumn=2,"
        "title=VK101 broken-wikilink::x::y%0Az\n"
    )


# --- junit ------------------------------------------------------------------------


def test_junit_one_testcase_per_note_and_a_failure_per_diagnostic():
    root = ET.fromstring(render("junit", make_result(), base=BASE))
    suite = root.find("testsuite")
    assert suite.get("name") == "vaultkit"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"Deep Learning/Tensors.md", "Empty.md", "Flashcards.md", "Index.md"}
    assert cases["Deep Learning/Tensors.md"].get("classname") == "Deep Learning"
    assert cases["Index.md"].get("classname") == "."
    assert len(cases["Deep Learning/Tensors.md"].findall("failure")) == 4
    assert cases["Empty.md"].findall("failure") == []
    assert suite.get("tests") == "4" and suite.get("failures") == "3"


def test_junit_stays_well_formed_with_control_characters():
    diag = Diagnostic("Index.md", Span(0, 0, 0, 1), "VK101", "broken-wikilink", Severity.ERROR, "bad \x01 <&>")
    root = ET.fromstring(render("junit", make_result([diag])))
    failure = root.find("testsuite/testcase/failure")
    assert "<&>" in failure.get("message") and "\x01" not in failure.get("message")


# --- colour decision --------------------------------------------------------------


class _Stream:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    "tty, env, expected",
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # empty NO_COLOR does not count
        (False, {"FORCE_COLOR": "1"}, True),
        (False, {"FORCE_COLOR": "0"}, False),
        (True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (True, {"TERM": "dumb"}, False),
    ],
)
def test_colour_only_on_a_terminal_unless_told(tty, env, expected):
    from vaultkit.report.color import use_color

    assert use_color(_Stream(tty), env) is expected
