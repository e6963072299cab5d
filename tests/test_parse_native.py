"""The C parser (``vaultkit.core.parse._native``) gives exactly the Python parser's Notes.

``parse_note_python`` is the reference; ``parse_note_native`` does the block
loop and the inline scanning in C.  Every test here compares the two on the
same text and options: equal Notes, and the same type for every element (a
NamedTuple where Python builds one, str where Python has a str, ...).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import vaultkit.core.parse as parse
from vaultkit.core.parse import ParseOptions, parse_note_python
from vaultkit.sr.settings import SRSettings

REPO = Path(__file__).resolve().parent.parent

if parse._native is not None:
    _SKIP = None
elif parse._PURE_PYTHON:
    _SKIP = "VAULTKIT_PURE_PYTHON is set: the C parser is not loaded"
else:
    _SKIP = "the C extension vaultkit.core.parse._native is not built (no compiler at install time?)"
needs_native = pytest.mark.skipif(_SKIP is not None, reason=_SKIP or "")

# The options that change what the block loop and the scanner do, and one that
# makes the SR plugin read every note (so cards are looked for in each).
OPTIONS = (
    ParseOptions(),
    ParseOptions(percent_comments_hide_links=False),
    ParseOptions(sr_settings=SRSettings(convert_folders_to_decks=True), percent_comments_hide_links=True),
)


def assert_identical(a, b, where="note"):
    """a == b, and the same types all the way down."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__} ({a!r} / {b!r})"
    if isinstance(a, tuple):
        assert len(a) == len(b), f"{where}: {len(a)} items != {len(b)} ({a!r} / {b!r})"
        names = getattr(a, "_fields", None)
        for k, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}.{names[k]}" if names else f"{where}[{k}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for key in a:
            assert_identical(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list):
        assert len(a) == len(b), f"{where}: {a!r} != {b!r}"
        for k, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{k}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def check(text: str, path: str = "Folder/Note.md", options=OPTIONS, size=None):
    for opts in options:
        expected = parse_note_python(path, text, opts, size)
        got = parse.parse_note_native(path, text, opts, size)
        assert got == expected
        assert_identical(got, expected)


# -- real notes ---------------------------------------------------------------------------


def _md_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.md") if p.is_file()) if root.is_dir() else []


def _read(path: Path) -> str:
    # the vault loader's decoding: invalid UTF-8 must not stop the comparison
    return path.read_bytes().decode("utf-8", "surrogateescape")


@needs_native
@pytest.mark.parametrize("folder", ["tests/fixtures", "vault-sample", "../shared/seeds"])
def test_project_notes(folder):
    root = (REPO / folder).resolve()
    files = _md_files(root)
    if not files:
        pytest.skip(f"no notes under {root}")
    for path in files:
        check(_read(path), path.relative_to(root).as_posix())


@needs_native
def test_bench_vault_notes():
    root = REPO / "bench" / "vaults" / "v10000"
    files = _md_files(root)[:2000]
    if not files:
        pytest.skip(f"{root} does not exist (python bench/bench_vault.py --notes 10000 makes it)")
    for path in files:
        check(_read(path), path.relative_to(root).as_posix(), options=OPTIONS[:2])


# -- generated texts --------------------------------------------------------------------------

# Tokens that reach every branch of the block loop and the scanner: block
# markers, fences, comments, links, tags, ids, dotted names, URLs, escapes,
# line endings, Unicode whitespace, digits and case, NUL, surrogates, astral.
TOKENS = [
    "[[", "]]", "|", "\\|", "#", "##", "###", "#######", "^", "^abc-1", "^x ", " ^b\t",
    "`", "``", "```", "````", "~~~", "~~~~", "```python", "```{.Python}", "``` `", "~~~ `x`",
    "` `", "`` ` ``", "`a.b`", "` x.y `",
    "<!--", "-->", "<!-", "<!--SR:!2025-02-22,3,250-->", "<!--SR:", "<!-- vaultkit: disable VK101 -->",
    "<!-- VaultKit : disable-next-line VK1, vk2 -->", "<!--vaultkit: skip-->", "<!-- vaultkit: bogus x -->",
    "<!-- vault\u212ait: enable -->", "<!-- x -->",
    "%%", "%", "> ", ">> ", "> > ", ">", "> [!note]", "    > ", "- ", "* ", "+ ", "-\t", "1. ", "12) ",
    "1234567890. ", "0.", "\u0663. ", "- [ ] ", "- ```py", "1. ~~~",
    "    ", "     ", "\t", "\t\t", " ", "  ", "\n", "\n", "\n", "\r\n", "\r", "\ufeff",
    "$$", "$$$", "$$x$$", "---", "...", "===", "=", "-", "|a|b|",
    "nn.Linear", "torch.nn.functional.relu", "nn.Conv{1,2}d", "nn.BatchNorm?d", "torch.*", "x.{a,b}c",
    "a.b", "_x.y", "x.?", "1.x", "\u00e9.x", "x.", ".", "_", "?", "*", "{", "}", ",",
    "http://x.y/a#b", "https://", "ftp:", "://", ":", "a://b", "x+y-z.w://q",
    "[t](a%20b.md)", "[t](<a b.md>)", "![x](y.png)", "[a](b \"c\")", "[a](http://x)", "[](x)", "[a]",
    "[x]()", "[t](a#b%23c)", "[t](a\\ b)", "[", "]", "(", ")", "<", ">",
    "[[a#b|c]]", "[[#^x]]", "![[img.png|100]]", "[[ a | b ]]", "[[a\\|b]]", "x[[0, 1]]", "[[]]", "!",
    "\\", "\\#", "\\[", "#tag/sub", "#tag/", "#123", "#1/2", "#\u0663", "#a.b", "#\u00e9t\u00e9", "#\u2003",
    "#flashcards", "::", ":::", "?", "==hl==",
    "\u00e9", "\u00df", "\u0130", "\u03a3", "\ufb00", "\u2003", "\u00a0", "\u2028", "\u2029", "\x85",
    "\x0b", "\x0c", "\x1c", "\u0663", "\u00b2", "\U0001d518", "\x00", "\ud800", "\udfff",
    "a", "b", "Z", "x", "word", "0", "7", "-",
    # compounds the random draw would seldom put together
    "#\u00b2", "#1\u00b2", "#\u2e3a", "#x\u2e3ay", "#\u2014x", "#a\u206fb", "#x'y", "#a\\b", "#x/\u0663",
    " #a", "\t#b/c", "\u2003#c", "x#d", "!`x`", "!<!-- c -->", "!%%x%%", "!http://a.b", "!#t", "!![[a]]",
    "a.http://b.c", "nn.x://y", "x.`y`", "a.[[b]]", "b.#c",
]

token_text = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)

# Line by line: a container prefix, a block marker, inline tokens, an ending,
# so that block constructs meet each other (lists then fences then quotes ...).
LINE_PREFIX = ["", "", "", " ", "  ", "   ", "    ", "     ", "\t", " \t", "> ", ">", ">> ", "> > ", "   > ",
               "    > ", ">  ", ">\t", "> \t"]
LINE_MARKER = ["", "", "", "- ", "-    ", "-     ", "-\t", "* ", "+  ", "1. ", "12) ", "1234567890) ", "\u0663) ",
               "-", "```", "````", "~~~", "```python", "``` x`", "~~~ `y`", "- ```", "1. ~~~py", "-     ```",
               "#", "# ", "## ", "####### ", "#tag ", "$$", "$$ x $$", "---", "===", "= =", "--", "|", " |",
               "<!--", "%%", "-->", "    ", "\t"]
LINE_END = ["", "", "", " ", "\t", "^abc-1", " ^abc-1", "\t^x-y  ", " #", " ## ", "#", " \\#", "$$", " $$",
            "```", "-->", "%%", " [[x]]", "\u2003"]
line = st.tuples(
    st.sampled_from(LINE_PREFIX), st.sampled_from(LINE_MARKER),
    st.lists(st.sampled_from(TOKENS), max_size=4).map("".join), st.sampled_from(LINE_END),
).map("".join)
structured_text = st.lists(st.one_of(line, st.just(""), st.just("")), max_size=14)

inline = st.lists(st.sampled_from(TOKENS), max_size=5).map("".join)
prose = st.lists(st.sampled_from(["word", "[[Link]]", "#tag", "`c.d`", "nn.Linear", "x", "<!-- c -->", "^id"]),
                 min_size=1, max_size=3).map(" ".join)


@st.composite
def block(draw):
    """A few lines of one construct, in a container, with its usual variations."""
    kind = draw(st.sampled_from(["para", "fence", "indented", "list", "quote", "math", "heading", "comment",
                                 "table"]))
    container = draw(st.sampled_from(["", "", "> ", ">> ", "- ", "1. ", "   ", "  ", "\t"]))
    cont = container if container.startswith(">") else " " * len(container)
    text = draw(st.one_of(prose, inline))
    if kind == "para":
        return [container + text] + draw(st.lists(st.one_of(prose, inline).map(lambda t: cont + t), max_size=2))
    if kind == "fence":
        char = draw(st.sampled_from(["`", "~"]))
        n = draw(st.integers(3, 5))
        info = draw(st.sampled_from(["", "python", " py title=x", "{.Rust}", "`x", " \u0130", "\u03a3x"]))
        indent = draw(st.sampled_from(["", " ", "   ", "    "]))
        body = draw(st.lists(st.one_of(prose, inline, st.just(""), st.just("    indented")), max_size=3))
        close = draw(st.sampled_from([None, char * n, char * (n + 1), char * max(3, n - 1), " " + char * n,
                                      "    " + char * n, char * n + " x", char * n + " \u2003"]))
        lines = [container + indent + char * n + info] + [cont + indent + b for b in body]
        return lines + ([cont + close] if close is not None else [])
    if kind == "indented":
        return [cont + "    " + text, cont + draw(st.sampled_from(["", "    ", "\t"])), cont + "\t" + text]
    if kind == "list":
        marker = draw(st.sampled_from(["- ", "-    ", "-     ", "-\t", "* ", "12) ", "3. ", "-"]))
        more = draw(st.lists(st.sampled_from(["  - x", "   text", "    - y", "text", "", "     code", "  ```",
                                              "> q", "# h", "1. z"]), max_size=3))
        return [container + marker + text] + [cont + m for m in more]
    if kind == "quote":
        return [draw(st.sampled_from(["> ", ">", ">> ", "> > ", "   > "])) + text,
                draw(st.sampled_from(["> ```", "> ^abc-1", "> # h", ">", "text", "> [!note] t", ">> ~~~"]))]
    if kind == "math":
        return [cont + draw(st.sampled_from(["$$", "$$$", "$$ x $$", "$$x", " $$"])), cont + text,
                cont + draw(st.sampled_from(["$$", "x $$", "$$ ", ""]))]
    if kind == "heading":
        return draw(st.sampled_from([
            [container + "# " + text], [container + "## " + text + " ##"], [container + "#" + text],
            [text, "==="], [text, cont + "---"], [text, " - -"], [text, "-"], [text, cont + "="], [text, "- x"], [container + "#" * 7 + " " + text],
            [container + "# " + text + " \\#"], [container + "#\t#"],
        ]))
    if kind == "comment":
        opener = draw(st.sampled_from(["<!--", "%%"]))
        closer = "-->" if opener == "<!--" else "%%"
        return [container + text + opener + draw(inline), draw(inline), draw(inline) + closer + text]
    return [container + "|a|" + text + "|", cont + "|---|", cont + "| " + text]


documents = st.lists(st.tuples(block(), st.sampled_from(["\n", "\n\n"])), max_size=6).map(
    lambda blocks: "".join("\n".join(lines) + sep for lines, sep in blocks)
)

FRONTMATTER = st.sampled_from([
    "",
    "---\n---\n",
    "---\ntags: [a, b]\naliases: x\n---\n",
    "---\ntags:\n  - t1\n  - '#t2'\n...\n",
    "---\nkey: [unclosed\n---\n",
    "---\r\ntitle: x\r\n---\r\n",
    "\ufeff---\ntags: z\n---\n",
    "---  \nno: end\n",
])



def generated(examples: int):
    """Hypothesis settings for the differential tests: derandomized, so that CI
    runs the same examples every time."""
    return settings(max_examples=examples, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

@needs_native
@generated(2000)
@given(token_text)
def test_generated_texts(text):
    check(text)


@needs_native
@generated(2000)
@given(structured_text)
def test_generated_lines(lines):
    check("\n".join(lines))


@needs_native
@generated(2000)
@given(documents)
def test_generated_documents(text):
    check(text)


@needs_native
@generated(500)
@given(FRONTMATTER, st.one_of(structured_text, st.lists(token_text, max_size=12)), st.sampled_from(["\n", "\r\n", "\r"]))
def test_generated_notes_with_frontmatter(frontmatter, lines, newline):
    check(frontmatter + newline.join(lines))


@needs_native
@generated(500)
@given(st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=200))
def test_arbitrary_strings(text):
    check(text)


# -- edges ----------------------------------------------------------------------------------


@needs_native
@pytest.mark.parametrize("text", [
    "", "\ufeff", "\ufeff\ufeff", "\n", "\r", "\r\n", "\n\r", "\r\r\n", "\x00", "\ud800", "\udc00\ud800",
    "\U0001d518", "#", "# ", "[[", "]]", "`", "<!--", "%%", "---", "---\n", "---\n---", "$$", ">", "- ",
    "    x", "\t", "```", "~~~\n", "<!--\n", "%%\n%%", "<!--SR:x-->", "a\x00[[b\x00]]\x00#c\x00",
    "[[\ud800|\udfff]] #\ud800 `\ud800` nn.\ud800 <!--\ud800-->",
    "\U0001d518[[\U0001d518#\U0001d518|\U0001d518]] #\U0001d518 ^\U0001d518 \U0001d518.x nn.Linear",
    # each of these once told a deliberately broken C parser from the Python one
    "> ^abc-1", "!`x`", "!<!--c-->", "text\n```\n```\n    code", "$$$\n[[a]]\n$$", "x.http://y",
    "-    x\n\n     code\n", "#\u00b2 #\u2e3a #\u2014", "a\r\n\r\nb", "<!--\nx\n--> [[a]] ^b",
    "x.y a.http://b.c", "para\n-", "para\n- ", "para\n=",
])
def test_edge_texts(text):
    check(text)


@needs_native
def test_size_is_counted_as_utf8_with_surrogatepass():
    for text in ["", "abc", "\u00e9", "\u20ac", "\U0001d518", "\x7f", "\x80", "\u07ff", "\u0800", "\uffff",
                 "\U00010000", "\U0010ffff", "\u00ff" * 3, "\u0800" * 20000 + "\U00010000", "\ud800", "a\ud83d\ude00b", "\u00e9" * 40000,
                 "\u20ac" * 70000 + "x", "\U0001d518" * 20000 + "\ud800"]:
        note = parse.parse_note_native("n.md", text)
        assert note.size == len(text.encode("utf-8", "surrogatepass"))
    assert parse.parse_note_native("n.md", "abc", size=99).size == 99


@needs_native
def test_large_texts():
    sample = "".join(_read(p) for p in _md_files(REPO / "vault-sample")) or "# H\n\n[[a]] #t nn.Linear\n"
    big = (sample * (20_000_000 // len(sample) + 1))[:20_000_000]
    check(big, options=OPTIONS[:1])
    check("x [[a]] #t `c` " * 1_000_000, options=OPTIONS[:1])  # one 15 MB line
    check("\n" * 1_000_000 + "<!--" + "\r\n" * 100_000, options=OPTIONS[:1])


@needs_native
def test_parse_note_is_the_native_one():
    assert parse.NATIVE is True
    assert parse.parse_note is parse.parse_note_native


def _native_in_subprocess(env_value):
    env = dict(os.environ)
    env.pop("VAULTKIT_PURE_PYTHON", None)
    if env_value is not None:
        env["VAULTKIT_PURE_PYTHON"] = env_value
    code = (
        "import vaultkit.core.parse as p; "
        "print(p.NATIVE, p.parse_note is p.parse_note_native, p.parse_note is p.parse_note_python)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_pure_python_environment_variable_selects_python():
    assert _native_in_subprocess("1") == ["False", "False", "True"]
    built = parse._native is not None or _extension_importable()
    expected = ["True", "True", "False"] if built else ["False", "False", "True"]
    assert _native_in_subprocess(None) == expected
    assert _native_in_subprocess("0") == expected


def _extension_importable() -> bool:
    code = "import vaultkit.core.parse._native"
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
