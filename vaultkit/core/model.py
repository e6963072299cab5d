"""What a parsed note is made of.

Every element carries an absolute :class:`Span` in the note.  Elements are
NamedTuples: immutable, cheap, and fast to pickle into the parse cache.
Nothing here knows about checks, the CLI or the language server.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .span import Span


class Heading(NamedTuple):
    level: int
    text: str  # heading text as written, without the #'s and trailing #'s
    span: Span  # the whole heading line (without container prefix)


class BlockId(NamedTuple):
    id: str  # without the caret
    span: Span  # span of "^id"


class Tag(NamedTuple):
    name: str  # without '#', case preserved (Obsidian compares case-insensitively)
    span: Span
    source: str  # "body" | "frontmatter"


class Link(NamedTuple):
    """A wikilink, an embed or a Markdown link to something inside the vault."""

    kind: str  # "wikilink" | "markdown"
    embed: bool  # ![[...]] or ![...](...)
    target: str  # path part, percent-decoded for Markdown links; "" for [[#Heading]]
    anchor: str  # text after the first '#': "H1#H2" or "^block-id"; "" when none
    display: str | None  # alias / link text / size option
    span: Span  # the whole link, including ![[ and ]]
    target_span: Span  # the target text (path and anchor) inside the brackets

    @property
    def is_block_ref(self) -> bool:
        return self.anchor.startswith("^")

    @property
    def block_id(self) -> str:
        return self.anchor[1:] if self.is_block_ref else ""

    @property
    def heading_path(self) -> tuple[str, ...]:
        if not self.anchor or self.is_block_ref:
            return ()
        return tuple(part for part in self.anchor.split("#") if part.strip())

    @property
    def edge_kind(self) -> str:
        """The graph's edge kind: link, embed or markdown."""
        if self.embed:
            return "embed"
        return "markdown" if self.kind == "markdown" else "link"


class CodeBlock(NamedTuple):
    """A fenced (or indented) code block with its exact content lines."""

    info: str  # full info string, stripped ("python title=x")
    lang: str  # first word of the info string, lower-cased ("" when none)
    fence: str  # the opening fence ("```", "~~~~"); "" for an indented block
    span: Span  # opening fence line .. closing fence line (inclusive line)
    content_line: int  # 0-based note line of the first content line
    lines: tuple[str, ...]  # content with container prefix and fence indent removed
    columns: tuple[int, ...]  # note column where each content line starts
    closed: bool  # False when the fence runs to the end of its container


class InlineCode(NamedTuple):
    text: str  # content between the backticks
    span: Span  # including the backticks


class Comment(NamedTuple):
    kind: str  # "html" | "percent"
    body: str
    span: Span


class ScheduleComment(NamedTuple):
    """``<!--SR:...-->`` as found in the text; read by vaultkit.sr."""

    body: str  # the text between "<!--SR:" and "-->"
    span: Span


class Directive(NamedTuple):
    """``<!-- vaultkit: disable VK101 -->`` and friends."""

    action: str  # "disable" | "enable" | "disable-next-line" | "disable-line" | "skip"
    codes: tuple[str, ...]  # empty = all codes
    span: Span


class DottedName(NamedTuple):
    """A dotted identifier chain in prose or inline code (``nn.Linear``).

    The parser records every chain; the API-name check decides which roots it
    cares about.  Code blocks are tokenized by the check itself.
    """

    text: str
    span: Span
    context: str  # "prose" | "inline_code"


class FrontmatterError(NamedTuple):
    message: str
    span: Span


class Card(NamedTuple):
    """A Spaced Repetition flashcard, found the way the plugin finds them."""

    kind: str  # "single" | "single_reversed" | "multi" | "multi_reversed" | "cloze"
    span: Span  # first line .. last line of the card text
    siblings: int  # how many schedules the card needs (reversed 2, cloze one per deletion)
    schedule: ScheduleComment | None  # the first SR comment attached to the card
    question: str


class Note(NamedTuple):
    path: str  # vault-relative POSIX path, "Folder/My Note.md"
    line_count: int
    size: int  # bytes on disk
    frontmatter: dict[str, Any]
    frontmatter_span: Span | None
    frontmatter_error: FrontmatterError | None
    aliases: tuple[str, ...]
    headings: tuple[Heading, ...]
    block_ids: tuple[BlockId, ...]
    tags: tuple[Tag, ...]
    links: tuple[Link, ...]
    code_blocks: tuple[CodeBlock, ...]
    inline_code: tuple[InlineCode, ...]
    comments: tuple[Comment, ...]
    schedules: tuple[ScheduleComment, ...]
    directives: tuple[Directive, ...]
    dotted_names: tuple[DottedName, ...]
    cards: tuple[Card, ...]

    @property
    def name(self) -> str:
        """File name without the .md extension: what [[links]] write."""
        base = self.path.rsplit("/", 1)[-1]
        return base[:-3] if base.lower().endswith(".md") else base

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""

    @property
    def id(self) -> str:
        """Graph node id: the vault path without .md."""
        return self.path[:-3] if self.path.lower().endswith(".md") else self.path

    @property
    def title(self) -> str:
        """The first level-1 heading, else the file name."""
        for heading in self.headings:
            if heading.level == 1:
                return heading.text
        return self.name
