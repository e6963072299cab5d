"""VK2xx: PyTorch (or any indexed module's) API names that do not exist.

Reads ``note.dotted_names`` (prose and inline code, found by the parser) and
tokenizes the note's Python code blocks itself.  The index of real names is
the ``api_index`` service (:func:`vaultkit.apiindex.load_index`); when the
runner did not provide it, the checker loads it from the cache, never
importing torch.  Options: ``[api] modules`` and ``[api] aliases``.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, NamedTuple

from ..apiindex import ApiIndex, load_index
from ..apiindex.refs import (
    Reference,
    is_python_block,
    quick_assigned_among,
    quick_chains,
    quick_imports,
    reference_from_text,
    scan_code,
)
from ..apiindex.resolve import Resolution, Suggestion, resolve, suggest
from ..core.model import Note
from ..diagnostics import Edit, Fix, Severity
from .registry import Rule, checker


class UnknownApiName(Rule):
    """A dotted name rooted at torch (or an alias such as `nn`) that torch does not have.

    ## What it does
    Finds references such as `torch.nn.Linear`, `nn.LTSM`, `F.relu` or
    `optim.Adamw` in prose, inline code and Python code blocks (and the
    names in `import` lines) and looks each one up in an index of the
    installed torch, built by introspection once per torch version.  An
    unknown name is reported with up to three suggestions, by order of
    evidence: the same name in another case or another namespace
    (`nn.Dropout2D` -> `nn.Dropout2d`, `nn.sigmoid` -> `torch.sigmoid`), then
    the closest names by an edit distance that counts a transposition as one
    edit (`nn.LTSM` -> `nn.LSTM`, `nn.AvgPoold2` -> `nn.AvgPool2d`).

    What is not judged: names not rooted at an indexed module or alias
    (`np.array` by default, `self.linear`, `model.parameters`, `x.shape`);
    anything after a name whose attributes were not indexed
    (`nn.Linear.weight`: only torch's modules and a few classes people call
    methods through, such as `torch.Tensor`, `nn.Module`, `optim.Optimizer`,
    `DataLoader`, are indexed member by member); private names (`torch._C`);
    strings and comments in code; an alias a code block assigns as a
    variable (`optim = torch.optim.Adam(...)`), which then stops being an
    alias in that note; `optim.zero_grad` when it is an attribute of a class
    named like the alias (`Optimizer`), since notes name their optimizer
    `optim`.

    Placeholders are shorthand, not typos: `nn.BatchNorm?d`,
    `nn.Conv{1,2,3}d` and `nn.*Loss` (`?` one character, `*` any run,
    `{a,b}` alternatives) are accepted when they match at least one real
    name and reported by this rule only when they match none
    (`nn.BatchNorn?d`).

    ## Why is this bad?
    A study note that teaches `nn.LTSM` teaches a name that raises
    `AttributeError`; because it sits in prose or in a flashcard, no test,
    linter or executor ever notices.

    ## Example
    ```markdown
    Common recurrent modules: nn.RNN, nn.LTSM, nn.GRU
    ```
    `nn.LTSM is not in torch 2.13.0; did you mean nn.LSTM?`

    ## How to fix
    Use the suggested name, or `vaultkit check --fix --unsafe-fixes` to
    apply the first suggestion.

    ## Fix safety
    Unsafe: the first suggestion is the most likely name, not a certain one
    (`nn.sigmoid` may have meant `torch.sigmoid` or `nn.Sigmoid`).  The fix
    replaces the wrong part only, keeping the note's own spelling of the
    rest, or the whole reference when the name lives in another namespace.

    ## Options
    - `api.modules` (table, default `{torch = ["torch"]}`): the modules to index
      and the names notes write for them, e.g. `numpy = ["np", "numpy"]`.
    - `api.aliases` (table, default `{nn = "torch.nn", F = "torch.nn.functional",
      optim = "torch.optim"}`): short names for submodules.  Aliases a note
      defines with its own imports (`import torch.nn.utils as nn_utils`,
      `from torch.nn import functional as F`) are added for that note.

    `vaultkit api-index` shows where the index is cached; `--rebuild` rebuilds it.
    """

    code = "VK201"
    name = "unknown-api-name"
    severity = Severity.WARNING
    fixable = "unsafe"


class DeprecatedApiName(Rule):
    """A torch name that exists but is deprecated.

    ## What it does
    Reports references to names the installed torch marks as deprecated
    (a `@deprecated` mark or a deprecation notice in the docstring), such
    as `nn.init.kaiming_normal` or `torch.nn.utils.weight_norm`, naming the
    replacement when torch's documentation gives one.

    ## Why is this bad?
    Deprecated names warn at run time and disappear in a later release;
    notes you will review for years should teach the current API.

    ## Example
    ```python
    import torch.nn.utils as nn_utils
    layer = nn_utils.weight_norm(nn.Linear(784, 64))
    ```
    `nn_utils.weight_norm is deprecated in torch 2.13.0; use
    torch.nn.utils.parametrizations.weight_norm`

    ## How to fix
    Switch to the replacement; its behaviour may differ slightly, so read its
    documentation (hover in the editor shows it).

    ## Fix safety
    Unsafe, and only offered when the replacement is a known name:
    replacements can have a different signature.

    ## Options
    Same as VK201 (`api.modules`, `api.aliases`).

    This rule is opt-in: `select = ["ALL"]` (the default) leaves it off, naming
    it or a prefix turns it on (`extend-select = ["VK202"]`, `--select VK2`).
    A note's names are all real even when some are deprecated, and running the
    code already reports the deprecation warning torch raises (VK406).
    """

    code = "VK202"
    name = "deprecated-api-name"
    severity = Severity.HINT
    fixable = "sometimes"
    opt_in = True


def index_for(config: Any) -> ApiIndex:
    """The index a checker uses when the runner has not put ``api_index`` in services."""
    return load_index(config)


def _index(ctx) -> ApiIndex | None:
    services = ctx.services or {}
    if "api_index" in services:
        return services["api_index"]
    return index_for(ctx.config)


@checker(UnknownApiName, DeprecatedApiName)
def check_api_names(note: Note, ctx) -> Iterable:
    want_unknown = ctx.enabled(UnknownApiName)
    want_deprecated = ctx.enabled(DeprecatedApiName)
    if not (want_unknown or want_deprecated):
        return []
    index = _index(ctx)
    if index is None or not index.aliases:
        return []
    aliases, learned, references = note_references(note, index)
    roots = _setup(index).roots
    out = []
    for reference in references:
        in_import = reference.context == "import"
        resolution = resolve(index, reference.parts, roots if in_import else aliases)
        if resolution is None:
            continue

        def show(qualified: str) -> str:
            # Imports name full paths; elsewhere, prefer the note's own aliases.
            if in_import:
                return qualified
            parent = qualified.rpartition(".")[0]
            own = {alias: target for alias, target in learned.items() if target == parent}
            mine = index.display(qualified, own)
            return mine if mine != qualified else index.display(qualified, aliases)

        if resolution.status == "unknown":
            if want_unknown:
                out.append(_unknown(ctx, note, index, reference, resolution, aliases, show))
        elif resolution.deprecated_at >= 0 and want_deprecated:
            out.append(_deprecated(ctx, note, index, reference, resolution, show))
    return out


def note_references(note: Note, index: ApiIndex) -> tuple[dict[str, str], dict[str, str], list[Reference]]:
    """(alias table, aliases the note's imports define, references rooted at an alias).

    Code blocks are first read with regular expressions (imports, assigned
    names, candidate chains); only a block with a reference that does not
    resolve cleanly, or an import the expressions cannot read, is parsed
    (ast, else tokenize) to get exact references outside strings and comments.
    """
    setup = _setup(index)
    aliases = dict(index.aliases)
    roots = setup.roots
    learned: dict[str, str] = {}
    assigned: set[str] = set()
    code_refs: list[Reference] = []
    quick: list[tuple[object, str, list[str]]] = []  # (block, text, imported paths)
    for block in note.code_blocks:
        if not is_python_block(block):
            continue
        text = "\n".join(block.lines)
        if not any(trigger in text for trigger in setup.triggers):
            continue  # nothing torch-like: no reference, no import
        imports = quick_imports(text) if block.lang != "pycon" else None
        if imports is None:
            scan = _full_scan(block)
            code_refs.extend(scan.references)
            learned.update(scan.aliases)
            assigned |= scan.assigned
            continue
        learned.update(imports.aliases)
        # Only an assigned configured alias changes anything below.
        assigned |= quick_assigned_among(text, setup.shadowable)
        quick.append((block, text, imports.modules))
    own: dict[str, str] = {}
    for name, target in learned.items():
        if name != target and index.is_namespace(target):
            aliases[name] = own[name] = target
    for name in assigned - set(learned):
        if name not in index.modules:  # `torch = ...` is too odd to honour
            aliases.pop(name, None)
    for block, text, modules in quick:
        clean = all(_clean(index, path, roots) for path in modules) and all(
            _clean(index, chain, aliases) for chain in quick_chains(text, aliases)
        )
        if not clean:
            code_refs.extend(_full_scan(block).references)
    references: list[Reference] = []
    for dotted in note.dotted_names:
        head = dotted.text.split(".", 1)[0]
        if head in aliases:
            reference = reference_from_text(dotted.text, dotted.span, dotted.context)
            if reference is not None:
                references.append(reference)
    references.extend(r for r in code_refs if r.context == "import" or r.parts[0] in aliases)
    return aliases, own, references


def _full_scan(block):
    return scan_code(block.lines, block.content_line, block.columns, pycon=block.lang == "pycon")


def _clean(index: ApiIndex, dotted: str, aliases: Mapping[str, str]) -> bool:
    """True when ``dotted`` is not a reference, or a real, current name."""
    # Like ``resolve``, the answer depends on the aliases only through what the head
    # stands for; memoised per index because blocks repeat the same chains.
    memo = index.memo("api_names.clean", dict)
    key = (dotted, aliases.get(dotted.partition(".")[0]))
    clean = memo.get(key)
    if clean is None:
        resolution = resolve(index, tuple(dotted.split(".")), aliases)
        clean = memo[key] = resolution is None or (resolution.status == "ok" and resolution.deprecated_at < 0)
    return clean


class _Setup(NamedTuple):
    """What every note's references are read with, derived from the index alone."""

    roots: dict[str, str]  # each indexed module, as its own alias (in imports)
    triggers: tuple[str, ...]  # text a block holds when it may refer to the index
    shadowable: frozenset[str]  # configured aliases a block's assignment takes away


def _setup(index: ApiIndex) -> _Setup:
    def compute() -> _Setup:
        return _Setup(
            roots={module: module for module in index.modules},
            triggers=tuple(f"{alias}." for alias in index.aliases) + ("import",),
            shadowable=frozenset(name for name in index.aliases if name not in index.modules),
        )

    return index.memo("api_names.setup", compute)


def _quote(name: str) -> str:
    return f"`{name}`"


def _listing(names: list[str]) -> str:
    quoted = [_quote(n) for n in names]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _unknown(ctx, note, index: ApiIndex, reference: Reference, resolution: Resolution,
             aliases: Mapping[str, str], show):
    bad = resolution.bad
    written = ".".join(reference.parts[: bad + 1])
    span = reference.span_through(bad)
    where = f"{resolution.root} {index.version(resolution.root)}".strip()
    leaf = reference.parts[bad]
    if resolution.placeholder is not None:
        namespace = show(resolution.namespace)
        message = f"{_quote(written)} matches no name in {_quote(namespace)} ({where})"
        suggestions = suggest(index, resolution.namespace, leaf.replace("?", "").replace("*", ""), aliases)
        shown = [show(s.qualified) for s in suggestions]
        if shown:
            message += f"; did you mean {_listing(shown)}?"
        return ctx.diagnostic(UnknownApiName, note.path, span, message,
                              data={"suggestions": shown, "placeholder": True})
    suggestions = suggest(index, resolution.namespace, leaf, aliases)
    shown = [show(s.qualified) for s in suggestions]
    message = f"{_quote(written)} is not in {where}"
    if suggestions and suggestions[0].reason == "case" and len(suggestions) == 1:
        message += " (names are case-sensitive)"
    if shown:
        message += f"; did you mean {_listing(shown)}?"
    fix = _suggestion_fix(note.path, reference, resolution, suggestions[0], shown[0]) if suggestions else None
    return ctx.diagnostic(
        UnknownApiName, note.path, span, message, fix=fix,
        data={
            "suggestions": shown,
            "qualified": [s.qualified for s in suggestions],
            "reasons": [s.reason for s in suggestions],
            "version": index.version(resolution.root),
        },
    )


def _suggestion_fix(path: str, reference: Reference, resolution: Resolution, top: Suggestion,
                    shown: str) -> Fix | None:
    parent, _, leaf = top.qualified.rpartition(".")
    if parent == resolution.namespace:
        edit = Edit(path, reference.spans[resolution.bad], leaf)
        return Fix(f"Replace with `{leaf}`", (edit,), "unsafe")
    if reference.context == "import":
        return None  # moving an imported name to another module is not a spelling fix
    edit = Edit(path, reference.span_through(resolution.bad), shown)
    return Fix(f"Replace with `{shown}`", (edit,), "unsafe")


def _deprecated(ctx, note, index: ApiIndex, reference: Reference, resolution: Resolution, show):
    at = resolution.deprecated_at
    written = ".".join(reference.parts[: at + 1])
    span = reference.span_through(at)
    where = f"{resolution.root} {index.version(resolution.root)}".strip()
    message = f"{_quote(written)} is deprecated in {where}"
    replacement = _replacement(index, resolution.deprecated_name, resolution.replacement)
    fix = None
    if replacement:
        shown = show(replacement)
        message += f"; use {_quote(shown)}"
        if reference.context != "import":
            fix = Fix(f"Replace with `{shown}`", (Edit(note.path, span, shown),), "unsafe")
    return ctx.diagnostic(
        DeprecatedApiName, note.path, span, message, fix=fix,
        data={"replacement": replacement or "", "deprecated": resolution.deprecated_name},
    )


def _replacement(index: ApiIndex, deprecated: str, hint: str) -> str:
    """The replacement named by torch's docs, as a qualified name in the index, or ""."""
    if not hint or hint == deprecated:
        return ""
    root = index.root_of(deprecated)
    parent = deprecated.rpartition(".")[0]
    for candidate in (hint, f"{parent}.{hint}", f"{root}.{hint}", index.expand(hint)):
        if candidate in index and candidate != deprecated:
            return candidate
    return ""
