"""The parser: every Obsidian construct of reference section A, with exact spans."""

from __future__ import annotations

import pytest

from vaultkit.core.parse import parse_note
from vaultkit.core.span import Span


def note(text: str, path: str = "Note.md"):
    return parse_note(path, text)


def links(text: str):
    return [(l.kind, l.embed, l.target, l.anchor, l.display) for l in note(text).links]


# -- wikilinks -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("[[Note]]", ("wikilink", False, "Note", "", None)),
        ("[[Note|alias]]", ("wikilink", False, "Note", "", "alias")),
        ("| [[Note\\|alias]] |", ("wikilink", False, "Note", "", "alias")),
        ("[[Note#Heading]]", ("wikilink", False, "Note", "Heading", None)),
        ("[[Note#H1#H2]]", ("wikilink", False, "Note", "H1#H2", None)),
        ("[[#Heading]]", ("wikilink", False, "", "Heading", None)),
        ("[[Note#^block-id]]", ("wikilink", False, "Note", "^block-id", None)),
        ("[[Note#Heading|shown]]", ("wikilink", False, "Note", "Heading", "shown")),
        ("![[Note]]", ("wikilink", True, "Note", "", None)),
        ("![[diagram.png|640x480]]", ("wikilink", True, "diagram.png", "", "640x480")),
        ("![[diagram.png | 512]]", ("wikilink", True, "diagram.png", "", "512")),
        ("![[paper.pdf#page=3]]", ("wikilink", True, "paper.pdf", "page=3", None)),
        ("[[file.pdf]]", ("wikilink", False, "file.pdf", "", None)),
        ("[[folder/Note]]", ("wikilink", False, "folder/Note", "", None)),
        ("[[Sq]uare]]", ("wikilink", False, "Sq]uare", "", None)),
    ],
)
def test_wikilink_forms(text, expected):
    assert links(text) == [expected]


def test_wikilink_spans_are_absolute_code_point_columns():
    n = note("ab\nΩ [[Ünïcode Note#Part|x]] and ![[img.png]]\n")
    first, second = n.links
    assert first.span == Span(1, 2, 1, 25)
    assert first.target_span == Span(1, 4, 1, 21)  # "Ünïcode Note#Part"
    assert second.span == Span(1, 30, 1, 42)


def test_markdown_links_are_percent_decoded_and_angle_bracketed():
    assert links("[t](My%20Note.md) [u](<My Note.md#Sec>)") == [
        ("markdown", False, "My Note.md", "", "t"),
        ("markdown", False, "My Note.md", "Sec", "u"),
    ]


def test_external_markdown_links_are_not_vault_links():
    assert links("[site](https://pytorch.org/docs) [mail](mailto:a@b.c)") == []


def test_markdown_image_is_an_embed():
    assert links("![plot](plots/loss.png)") == [("markdown", True, "plots/loss.png", "", "plot")]


# -- nothing inside code or comments ---------------------------------------------------

def test_nothing_inside_fenced_code_is_a_link_tag_or_schedule():
    text = "```python\ncols = df[[\"a\", \"b\"]]\nx[[0, 1]]  # tag?\n<!--SR:!2025-01-01,1,250-->\n```\n"
    n = note(text)
    assert n.links == () and n.tags == () and n.schedules == ()
    assert n.code_blocks[0].lines == ('cols = df[["a", "b"]]', "x[[0, 1]]  # tag?", "<!--SR:!2025-01-01,1,250-->")


def test_nothing_inside_inline_code_or_comments_is_a_link():
    text = "`[[A]]` <!-- [[B]] #c --> %% [[C]] %% ``x `[[D]]` y`` [[E]]"
    n = note(text)
    assert [l.target for l in n.links] == ["E"]
    assert n.tags == ()
    assert [c.kind for c in n.comments] == ["html", "percent"]
    assert [c.text for c in n.inline_code] == ["[[A]]", "x `[[D]]` y"]


@pytest.mark.parametrize("impl", ["parse_note_python", "parse_note_native"])
def test_an_exclamation_mark_that_starts_nothing_hides_nothing_after_it(impl):
    """"Hi!" right before a comment, a code span or an escape: the '!' is prose,
    and what follows it is still a comment, code or an escape."""
    import vaultkit.core.parse as parse

    if impl == "parse_note_native" and not parse.NATIVE:
        pytest.skip("the C parser is not built")
    n = getattr(parse, impl)("N.md", "Hi!<!-- [[hidden]] --> Wow!`[[code]]` x!\\[[escaped]] ok![[Shown]]")
    assert [l.target for l in n.links] == ["Shown"]
    assert n.links[0].embed
    assert [c.body for c in n.comments] == [" [[hidden]] "]
    assert [c.text for c in n.inline_code] == ["[[code]]"]


def test_multiline_comments_hide_links_until_they_close():
    text = "before [[A]]\n<!--\n[[B]]\n\n[[C]]\n-->\n%%\n[[D]]\n%% after [[E]]\n"
    assert [l.target for l in note(text).links] == ["A", "E"]


def test_percent_comments_can_be_checked_when_configured():
    from vaultkit.core.parse import ParseOptions

    n = parse_note("N.md", "%% [[Draft]] %%", ParseOptions(percent_comments_hide_links=False))
    assert [l.target for l in n.links] == ["Draft"]


def test_escaped_brackets_are_not_links():
    assert links("\\[[not a link]]") == []


def test_indented_code_block_is_code_but_list_continuation_is_not():
    text = "para\n\n    [[InCode]]\n\n- item\n\n    [[InList]]\n"
    n = note(text)
    assert [l.target for l in n.links] == ["InList"]
    assert n.code_blocks[0].fence == "" and n.code_blocks[0].lines == ("[[InCode]]",)


# -- code blocks -------------------------------------------------------------------------

def test_fences_with_backticks_and_tildes_keep_info_and_exact_lines():
    text = "# T\n\n~~~Python title=x\n\tif x:\n\t    pass\n~~~\n\n````py\n```\nnested\n```\n````\n"
    blocks = note(text).code_blocks
    assert [(b.lang, b.info, b.fence) for b in blocks] == [
        ("python", "Python title=x", "~~~"),
        ("py", "py", "````"),
    ]
    assert blocks[0].lines == ("\tif x:", "\t    pass")
    assert blocks[0].content_line == 3 and blocks[0].columns == (0, 0)
    assert blocks[1].lines == ("```", "nested", "```")


def test_fence_inside_list_item_strips_the_item_indentation():
    text = "1. Step one:\n   ```python\n   x = 1\n     y = 2\n   ```\n"
    (block,) = note(text).code_blocks
    assert block.lines == ("x = 1", "  y = 2")
    assert block.columns == (3, 3)
    assert block.content_line == 2


def test_fence_inside_callout_strips_the_quote_prefix():
    text = "> [!example] Code\n> ```python\n> import torch\n>     x = 1\n> ```\nafter [[Link]]\n"
    n = note(text)
    (block,) = n.code_blocks
    assert block.lines == ("import torch", "    x = 1")
    assert block.columns == (2, 2)
    assert [l.target for l in n.links] == ["Link"]


def test_unclosed_fence_runs_to_the_end_and_says_so():
    (block,) = note("```python\nx = 1\n").code_blocks
    assert not block.closed and block.lines == ("x = 1", "")


# -- headings, block ids, tags ------------------------------------------------------

def test_atx_and_setext_headings():
    text = "# Title #\n## Sub [[Link]] #tag\nSetext\n===\n####### not a heading\n#nospace\n"
    n = note(text)
    assert [(h.level, h.text) for h in n.headings] == [(1, "Title"), (2, "Sub [[Link]] #tag"), (1, "Setext")]
    assert [l.target for l in n.links] == ["Link"]
    assert [t.name for t in n.tags] == ["tag", "nospace"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("#tag #nested/child #Ünïcode #emoji🚀", ["tag", "nested/child", "Ünïcode", "emoji🚀"]),
        ("foo#bar (#x) http://a/b#frag", []),
        ("#1984 #y1984 #2025/q1 #12/34", ["y1984", "2025/q1"]),
        ("#trailing/ #a-b_c", ["trailing", "a-b_c"]),
        ("end. #tag, and #x.", ["tag", "x"]),
    ],
)
def test_tag_grammar(text, expected):
    assert [t.name for t in note(text).tags] == expected


def test_frontmatter_tags_aliases_and_located_spans():
    text = "---\naliases: [Torch Optimiser, optim]\ntags:\n  - pytorch\n  - '#dl/optim'\n---\nBody #body\n"
    n = note(text)
    assert n.aliases == ("Torch Optimiser", "optim")
    assert [(t.name, t.source) for t in n.tags] == [("pytorch", "frontmatter"), ("dl/optim", "frontmatter"), ("body", "body")]
    assert n.tags[0].span.line == 3
    assert n.frontmatter_span == Span(0, 0, 5, 3)


def test_broken_frontmatter_is_located_and_does_not_stop_the_parse():
    n = note("---\ntags: [a, b\n---\n[[Still Found]]\n")
    assert n.frontmatter == {} and n.frontmatter_error is not None
    assert n.frontmatter_error.span.line in (1, 2)
    assert "YAML" in n.frontmatter_error.message
    assert [l.target for l in n.links] == ["Still Found"]


def test_frontmatter_dates_stay_text_and_impossible_dates_do_not_crash():
    n = note("---\nsr-due: 2025-02-30\ncreated: 2024-01-01\n---\n")
    assert n.frontmatter == {"sr-due": "2025-02-30", "created": "2024-01-01"}


def test_block_ids_at_end_of_line_and_on_their_own_line():
    text = "A claim. ^claim-1\n\n- item\n\n^list-id\n\nnot^an-id\n"
    n = note(text)
    assert [(b.id, b.span) for b in n.block_ids] == [("claim-1", Span(0, 9, 0, 17)), ("list-id", Span(4, 0, 4, 8))]


# -- spaced repetition data ----------------------------------------------------------

def test_schedule_comments_are_recorded_with_their_spans():
    text = "Q::A <!--SR:!2025-02-22,3,250!2000-01-01,1,250-->\n<!--SR:2021-08-11,4,270-->\n"
    n = note(text)
    assert [(s.body, s.span) for s in n.schedules] == [
        ("!2025-02-22,3,250!2000-01-01,1,250", Span(0, 5, 0, 49)),
        ("2021-08-11,4,270", Span(1, 0, 1, 26)),
    ]


def test_vaultkit_directives_are_read_from_comments():
    n = note("<!-- vaultkit: disable VK101, VK3 -->\n<!-- vaultkit: skip -->\n")
    assert [(d.action, d.codes) for d in n.directives] == [("disable", ("VK101", "VK3")), ("skip", ())]


# -- dotted names for the API check -------------------------------------------------------

def test_dotted_names_in_prose_and_inline_code_not_urls():
    text = "Use nn.Linear, `torch.nn.functional.relu(x)` and nn.BatchNorm?d. See https://pytorch.org/docs/torch.nn.Module.html"
    n = note(text)
    assert [(d.text, d.context) for d in n.dotted_names] == [
        ("nn.Linear", "prose"),
        ("torch.nn.functional.relu", "inline_code"),
        ("nn.BatchNorm?d", "prose"),
    ]
    assert n.dotted_names[1].span == Span(0, 16, 0, 40)


# -- line endings --------------------------------------------------------------------------

def test_crlf_and_bom_give_the_same_positions_as_lf():
    lf = "# H\nsee [[A]] #t\n```python\nx = 1\n```\n"
    crlf = "\ufeff" + lf.replace("\n", "\r\n")
    a, b = note(lf), note(crlf)
    assert a.links == b.links and a.tags == b.tags and a.headings == b.headings
    assert a.code_blocks[0].lines == b.code_blocks[0].lines == ("x = 1",)


def test_seed_flashcard_note_parses_its_real_content():
    from pathlib import Path

    seed = Path(__file__).resolve().parents[1] / "vault-sample" / "Deep Learning" / "torch-module-flashcards.md"
    if not seed.exists():
        pytest.skip("vault-sample not present")
    n = parse_note("torch-module-flashcards.md", seed.read_text(encoding="utf-8"))
    assert [l.target for l in n.links] == [
        "Torch Module", "Feed Forward Layer", "Convolution", "Torch Model", "Recurrent Modules",
        "Torch Model", "Convolution", "Torch Optim", "Torch Loss",
    ]
    assert [t.name for t in n.tags] == ["dl", "review"]
    assert len(n.schedules) == 4
    assert len(n.code_blocks) == 2 and n.code_blocks[0].lines[6] == "        ..."
    assert {"nn.LTSM", "nn.AvgPoold2", "nn.Dropout2D"} <= {d.text for d in n.dotted_names}
