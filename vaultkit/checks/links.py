"""VK1xx: links that do not lead where they say."""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from ..core.model import Link, Note
from ..core.span import Span
from ..core.vault import names_attachment, normalize_heading
from ..diagnostics import Edit, Fix, Related, Severity
from .registry import Rule, checker
from ..core.suggest import closest


class BrokenWikilink(Rule):
    """A wikilink or embed points at a note that does not exist.

    ## What it does
    Resolves every `[[Note]]` and `![[Note]]` the way Obsidian does (case-insensitive,
    exact vault path first, then the linking note's folder, then the shortest path) and
    reports the ones that open nothing. The message names the closest existing note,
    and says so when the text is one of a note's `aliases` (Obsidian never resolves
    a link through an alias).

    ## Why is this bad?
    Clicking the link creates an empty note instead of opening the one you meant;
    the knowledge the link was meant to connect is silently disconnected.

    ## Example
    ```markdown
    See [[Torch Optimiser]] for Adam.   <!-- the note is "Torch Optim" -->
    ```

    ## How to fix
    Point the link at the real note (`[[Torch Optim]]`), or write the alias as display
    text (`[[Torch Optim|Torch Optimiser]]`), or create the note.

    ## Fix safety
    When the text is exactly an alias of one note, rewriting it to `[[Real Name|alias]]`
    is safe: the link shows the same text and opens the note the alias names.
    Replacing the target with the closest name is unsafe (it is a guess); creating the
    missing note is offered as an alternative in the editor.

    ## Options
    `[links] suggest-cutoff` (default 75): the lowest similarity (0-100) for a suggestion.
    `[links] check-percent-comments` (default false): also check links inside `%%comments%%`.
    """

    code = "VK101"
    name = "broken-wikilink"
    severity = Severity.ERROR
    fixable = "sometimes"


class BrokenHeadingLink(Rule):
    """A link's `#Heading` does not exist in the target note.

    ## What it does
    For `[[Note#Heading]]`, `[[Note#H1#H2]]` and `[[#Heading]]`, compares the heading
    with the target's headings after Obsidian's normalisation (punctuation becomes
    spaces, runs of spaces collapse, case is ignored); a chain `H1#H2` must be nested.
    The message lists the headings that do exist.

    ## Why is this bad?
    Obsidian still opens the note but lands at the top: the precise section the link
    promised is lost, usually because the heading was renamed.

    ## Example
    ```markdown
    [[Torch Optim#Adam optimiser]]   <!-- the heading is "## Adam" -->
    ```

    ## How to fix
    Use one of the listed headings.

    ## Fix safety
    Replacing the heading with the closest existing one is unsafe (a guess).
    """

    code = "VK102"
    name = "broken-heading-link"
    severity = Severity.ERROR
    fixable = "unsafe"


class BrokenBlockLink(Rule):
    """A link's `#^block-id` does not exist in the target note.

    ## What it does
    Looks the id of `[[Note#^id]]` up among the target note's block ids (` ^id` at the
    end of a paragraph or on its own line after a list, quote or table).

    ## Why is this bad?
    The block reference or embed shows nothing: the id was deleted or mistyped.

    ## Example
    ```markdown
    ![[Torch Loss#^ce-los]]   <!-- the block is "^ce-loss" -->
    ```

    ## How to fix
    Use an existing id, or add ` ^id` back to the block.

    ## Fix safety
    Replacing the id with the closest existing one is unsafe.
    """

    code = "VK103"
    name = "broken-block-link"
    severity = Severity.ERROR
    fixable = "unsafe"


class MissingAttachment(Rule):
    """A link or embed names a file (image, PDF, notebook, ...) that is not in the vault.

    ## What it does
    Links with an extension other than `.md` (`![[diagram.png]]`, `[[paper.pdf]]`,
    `[notebook](model.ipynb)`) are attachments; they must exist.

    ## Why is this bad?
    Embeds render as an empty box and links open nothing: the figure or the source
    the note relies on is gone.

    ## Example
    ```markdown
    ![[lstm-gates.png]]
    ```

    ## How to fix
    Add the file to the vault, or correct the name (the message suggests the closest
    existing attachment).

    ## Fix safety
    Replacing the name with the closest attachment is unsafe.
    """

    code = "VK104"
    name = "missing-attachment"
    severity = Severity.ERROR
    fixable = "unsafe"


class AmbiguousLink(Rule):
    """A link matches several notes and Obsidian's rules pick none of them.

    ## What it does
    When no exact path matches, no candidate sits in the linking note's folder and
    two or more candidates have equally short paths, Obsidian's choice is unstable.
    The message lists the candidates.

    ## Why is this bad?
    The link may open a different note on another machine or after a restart.

    ## Example
    ```markdown
    [[Overview]]   <!-- a/Overview.md and b/Overview.md -->
    ```

    ## How to fix
    Write the path: `[[a/Overview]]`.

    ## Fix safety
    Each candidate is offered in the editor; none is applied automatically.
    """

    code = "VK105"
    name = "ambiguous-link"
    severity = Severity.WARNING


class BrokenMarkdownLink(Rule):
    """A Markdown link `[text](Note.md)` points at a note that does not exist.

    ## What it does
    Percent-decodes the destination and resolves it like a wikilink (Obsidian looks
    Markdown links up across the vault too); `./` and `../` are relative to the note
    and may not leave the vault.

    ## Why is this bad?
    The link opens nothing; typically a note that was renamed or a path from another
    repository (`../README.md`).

    ## Example
    ```markdown
    [Return to Main Page](../README.md)
    ```

    ## How to fix
    Point it at an existing note, or turn it into a wikilink.

    ## Fix safety
    Replacing the destination with the closest note is unsafe.
    """

    code = "VK106"
    name = "broken-markdown-link"
    severity = Severity.ERROR
    fixable = "unsafe"


class DuplicateBlockId(Rule):
    """The same `^block-id` is defined twice in one note.

    ## What it does
    Reports every repeat of a block id after its first definition.

    ## Why is this bad?
    `[[Note#^id]]` can only reach one of them; which one is up to Obsidian.

    ## Example
    ```markdown
    First claim. ^claim
    Second claim. ^claim
    ```

    ## How to fix
    Rename one of the ids (and the links that meant it).

    ## Fix safety
    No automatic fix.
    """

    code = "VK107"
    name = "duplicate-block-id"
    severity = Severity.WARNING


def _link_text(link: Link) -> str:
    return link.target + ("#" + link.anchor if link.anchor else "")


def _replace_target(note: Note, link: Link, new_target: str, title: str, safe: bool = False) -> Fix:
    text = new_target
    if link.kind == "markdown":
        text = quote(new_target, safe="/#^")
    return Fix(title, (Edit(note.path, link.target_span, text),), "safe" if safe else "unsafe")


def _display_target(path: str) -> str:
    return path[:-3] if path.lower().endswith(".md") else path


@checker(BrokenWikilink, BrokenHeadingLink, BrokenBlockLink, MissingAttachment, AmbiguousLink,
         BrokenMarkdownLink)
def check_links(note: Note, ctx):
    vault = ctx.vault
    cutoff = _cutoff(ctx)
    path = note.path
    for link in note.links:
        # Most links name an existing note and no anchor: ``vault.resolve`` says all
        # there is to say about them.  ``resolve_link`` (which also judges the anchor
        # and looks the target note up) is only worth calling for a link with an anchor.
        if link.anchor:
            result = vault.resolve_link(link, path)
            res = result.resolution
        else:
            res = vault.resolve(link.target, path)
            if res.status == "resolved":
                continue
            result = None
        if res.status == "ambiguous":
            if not ctx.enabled(AmbiguousLink):
                continue
            names = ", ".join(_display_target(p) for p in res.candidates)
            yield ctx.diagnostic(
                AmbiguousLink, note.path, link.span,
                f"'{link.target}' matches {len(res.candidates)} notes with equally short paths: {names}",
                related=[Related(p, Span(0, 0, 0, 0), "candidate") for p in res.candidates],
                alternatives=[
                    _replace_target(note, link, _display_target(p) + ("#" + link.anchor if link.anchor else ""),
                                    f"Link to {_display_target(p)}")
                    for p in res.candidates
                ],
                data={"candidates": list(res.candidates)},
            )
            continue
        if res.status == "unresolved":
            yield from _unresolved(note, link, ctx, cutoff)
            continue
        if result.anchor_status == "missing-heading":
            yield _missing_heading(note, link, result.target_note, ctx, cutoff)
        elif result.anchor_status == "missing-block":
            yield _missing_block(note, link, result.target_note, ctx, cutoff)


def _cutoff(ctx) -> float:
    """``[links] suggest-cutoff``, read once per run."""
    cutoff = ctx.memo.get("links.cutoff")
    if cutoff is None:
        cutoff = ctx.memo["links.cutoff"] = float(ctx.option("links", "suggest-cutoff") or 75)
    return cutoff


def _unresolved(note: Note, link: Link, ctx, cutoff: float):
    vault = ctx.vault
    target = link.target
    if names_attachment(target):
        rule = MissingAttachment
    elif link.kind == "markdown":
        rule = BrokenMarkdownLink
    else:
        rule = BrokenWikilink
    if not ctx.enabled(rule):
        return
    what = "attachment" if rule is MissingAttachment else "note"
    if target.startswith("../") or target.startswith("./"):
        joined = posixpath.normpath(posixpath.join(note.folder, target))
        if joined == ".." or joined.startswith("../"):
            message = f"{what} '{target}' points outside the vault"
        else:
            message = f"{what} '{target}' does not exist (no '{joined}' in the vault)"
    else:
        message = f"{what} '{target}' does not exist"
    fix = None
    alternatives = []
    data: dict = {}
    owner = vault.alias_owner(target) if rule is not MissingAttachment else None
    if owner is not None and link.kind == "wikilink":
        # The shortest text that opens the owner from here: its name, unless another
        # note of that name would win (then its path).
        real = owner.name if vault.resolve(owner.name, note.path).path == owner.path else owner.id
        message += f"; '{target}' is an alias of [[{real}]] and Obsidian does not resolve aliases"
        shown = link.display if link.display else target
        new_text = real + ("#" + link.anchor if link.anchor else "") + "|" + shown
        fix = Fix(f"Link to [[{real}|{shown}]]", (Edit(note.path, _inner_span(link), new_text),), "safe")
        data["suggestions"] = [real]
    else:
        query = target.rsplit("/", 1)[-1]
        suggestions = vault.suggest(query, cutoff, attachments=rule is MissingAttachment)
        if suggestions:
            best = suggestions[0]
            shown = ", ".join(f"'{s}'" for s in suggestions[:3])
            message += f"; did you mean {shown}?"
            data["suggestions"] = list(suggestions)
            if rule is BrokenMarkdownLink:
                best_path = vault.resolve(best, note.path).path or best
                new = best_path + ("#" + link.anchor if link.anchor else "")
            else:
                new = best + ("#" + link.anchor if link.anchor else "")
            if suggestions.clear:
                fix = _replace_target(note, link, new, f"Change to '{best}'")
    if rule is not MissingAttachment and not target.startswith("."):
        new_path = target + ("" if target.lower().endswith(".md") else ".md")
        alternatives.append(Fix(f"Create note '{new_path}'", (Edit(new_path.lstrip("/"), None, ""),), "unsafe"))
    yield ctx.diagnostic(rule, note.path, link.span, message, fix=fix, alternatives=alternatives, data=data)


def _inner_span(link: Link) -> Span:
    """The text between [[ and ]] (target, anchor and display)."""
    s = link.span
    start = 3 if link.embed else 2
    return Span(s.line, s.col + start, s.end_line, s.end_col - 2)


def _missing_heading(note: Note, link: Link, target: Note, ctx, cutoff: float):
    wanted = link.heading_path[-1] if link.heading_path else link.anchor
    headings = [h.text for h in target.headings]
    where = "this note" if target.path == note.path else f"'{target.name}'"
    if headings:
        listed = ", ".join(f"'{h}'" for h in headings[:8]) + (", ..." if len(headings) > 8 else "")
        message = f"heading '{link.anchor}' not found in {where}; it has {listed}"
    else:
        message = f"heading '{link.anchor}' not found: {where} has no headings"
    fix = None
    data: dict = {"headings": headings}
    suggestions = closest(wanted, headings, cutoff, key=normalize_heading)
    if suggestions:
        data["suggestions"] = list(suggestions)
        best = suggestions[0]
        new = link.target + "#" + best.replace("#", " ").replace("|", " ").replace("^", " ")
        if link.kind == "markdown":
            new = link.target + "#" + best
        if suggestions.clear:
            fix = _replace_target(note, link, new, f"Change heading to '{best}'")
        message += f"; did you mean '{best}'?"
    return ctx.diagnostic(BrokenHeadingLink, note.path, link.span, message, fix=fix, data=data)


def _missing_block(note: Note, link: Link, target: Note, ctx, cutoff: float):
    ids = [b.id for b in target.block_ids]
    where = "this note" if target.path == note.path else f"'{target.name}'"
    if ids:
        message = f"block '^{link.block_id}' not found in {where}; it has " + ", ".join(f"^{i}" for i in ids[:8])
    else:
        message = f"block '^{link.block_id}' not found: {where} has no block ids"
    fix = None
    suggestions = closest(link.block_id, ids, cutoff)
    if suggestions:
        best = suggestions[0]
        if suggestions.clear:
            fix = _replace_target(note, link, link.target + "#^" + best, f"Change block id to '^{best}'")
        message += f"; did you mean '^{best}'?"
    return ctx.diagnostic(BrokenBlockLink, note.path, link.span, message, fix=fix, data={"block_ids": ids})


@checker(DuplicateBlockId)
def check_block_ids(note: Note, ctx):
    seen: dict[str, Span] = {}
    for block in note.block_ids:
        key = block.id.lower()
        first = seen.get(key)
        if first is None:
            seen[key] = block.span
            continue
        yield ctx.diagnostic(
            DuplicateBlockId, note.path, block.span,
            f"block id '^{block.id}' is already defined on line {first.line + 1}",
            related=[Related(note.path, first, "first definition")],
        )
