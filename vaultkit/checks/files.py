"""VK9xx: files that cannot be read or parsed."""

from __future__ import annotations

from ..core.model import Note
from ..diagnostics import Severity
from .registry import Rule, checker


class InvalidEncoding(Rule):
    """A note is not valid UTF-8.

    ## What it does
    Reports `.md` files whose bytes are not UTF-8 (Latin-1 or Windows-1252 exports,
    UTF-16 files), at the first offending byte. The note is not checked further.

    ## Why is this bad?
    Obsidian shows replacement characters or refuses the file; every link, card and
    schedule in it is invisible to Obsidian's index and to vaultkit.

    ## Example
    A note saved by an old editor as Windows-1252: `Caf\\xe9` at line 3.

    ## How to fix
    Re-save the file as UTF-8 (`iconv -f cp1252 -t utf-8`).

    ## Fix safety
    No automatic fix: the right source encoding is a guess.
    """

    code = "VK901"
    name = "invalid-encoding"
    severity = Severity.ERROR


class BinaryNote(Rule):
    """A file with a `.md` name holds binary data.

    ## What it does
    Reports `.md` files that contain NUL bytes (images, archives or databases renamed
    by mistake). They are skipped.

    ## Why is this bad?
    Obsidian shows garbage; links to it look fine but lead nowhere useful.

    ## Example
    `diagram.md` that is really a PNG.

    ## How to fix
    Give the file its real extension, or remove it.

    ## Fix safety
    No automatic fix.
    """

    code = "VK902"
    name = "binary-note"
    severity = Severity.ERROR


class NoteTooLarge(Rule):
    """A note is too large to check.

    ## What it does
    Notes over 50 MB are not parsed (pasted logs, generated dumps).

    ## Why is this bad?
    Such a file slows Obsidian, sync and every tool down, and nothing in it is checked.

    ## Example
    `training-log.md`, 300 MB.

    ## How to fix
    Move the data out of the vault or into an attachment.

    ## Fix safety
    No automatic fix.
    """

    code = "VK903"
    name = "note-too-large"
    severity = Severity.WARNING


class UnreadableFile(Rule):
    """A file or folder of the vault cannot be read.

    ## What it does
    Reports permission errors, broken symbolic links, special files named `.md`, and
    folders reached twice through a symbolic-link loop (walked once, then skipped).

    ## Why is this bad?
    Whatever the file holds is missing from Obsidian's index and from every check.

    ## Example
    `Archive -> ..` (a symlink to the vault's own parent).

    ## How to fix
    Fix the permissions or remove the link.

    ## Fix safety
    No automatic fix.
    """

    code = "VK904"
    name = "unreadable-file"
    severity = Severity.WARNING


class InvalidFrontmatter(Rule):
    """The YAML frontmatter of a note does not parse.

    ## What it does
    Parses the `---` block at the top of each note as YAML and reports the first
    error at its line and column.

    ## Why is this bad?
    Obsidian ignores every property of the note: its `tags`, `aliases`, and the
    `sr-due` review schedule are lost.

    ## Example
    ```yaml
    ---
    tags: [pytorch, optim
    ---
    ```

    ## How to fix
    Fix the YAML (quote values with `:` or `#`, close brackets).

    ## Fix safety
    No automatic fix.
    """

    code = "VK905"
    name = "invalid-frontmatter"
    severity = Severity.ERROR


class InvalidSettings(Rule):
    """Obsidian's or the Spaced Repetition plugin's settings file cannot be used.

    ## What it does
    Reads `.obsidian/app.json` and `.obsidian/plugins/obsidian-spaced-repetition/data.json`
    and reports invalid JSON or values of the wrong type; vaultkit then uses the defaults.

    ## Why is this bad?
    Checks run with settings that are not the ones Obsidian uses (card separators,
    ignore filters), so results may differ from what you see in the app.

    ## Example
    A trailing comma in `data.json`.

    ## How to fix
    Repair the JSON (or let Obsidian rewrite the file by changing a setting).

    ## Fix safety
    No automatic fix.
    """

    code = "VK906"
    name = "invalid-settings"
    severity = Severity.WARNING


_BY_KIND = {
    "encoding": InvalidEncoding,
    "binary": BinaryNote,
    "too-large": NoteTooLarge,
    "unreadable": UnreadableFile,
    "symlink-loop": UnreadableFile,
    "settings": InvalidSettings,
}


@checker(InvalidEncoding, BinaryNote, NoteTooLarge, UnreadableFile, InvalidSettings, scope="vault")
def check_file_problems(vault, ctx):
    for problem in vault.problems:
        rule = _BY_KIND.get(problem.kind, UnreadableFile)
        if ctx.enabled(rule):
            yield ctx.diagnostic(rule, problem.path, problem.span, problem.message)


@checker(InvalidFrontmatter)
def check_frontmatter(note: Note, ctx):
    error = note.frontmatter_error
    if error is not None:
        yield ctx.diagnostic(InvalidFrontmatter, note.path, error.span, error.message)
