"""The loaded index of real names: lookups for the check, entries for the editor.

Qualified names are stored as written in Python (``torch.nn.Linear``).  A
*namespace* is a module or class whose attributes were all indexed, so a name
missing under it is really missing; every other name is a leaf, and what
follows a leaf (``nn.Linear.weight``) is not judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

KINDS = {"m": "module", "c": "class", "f": "function", "p": "property", "a": "attribute"}


@dataclass(frozen=True)
class ApiEntry:
    """One real name, as the language server shows it on hover and completion."""

    name: str  # qualified: "torch.nn.Linear"
    kind: str  # module | class | function | property | attribute
    signature: str  # "(in_features, out_features, bias=True, ...)" or ""
    summary: str  # first paragraph of the docstring
    deprecated: bool
    replacement: str  # what the docstring says to use instead, "" when unknown

    @property
    def leaf(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class ModuleInfo:
    module: str
    version: str
    names_file: Path
    details_file: Path
    name_count: int
    build_seconds: float
    built_at: str
    errors: tuple[str, ...]


class ApiIndex:
    """Real names of the indexed modules plus the aliases notes use for them."""

    def __init__(
        self,
        names: Mapping[str, str],
        namespaces: Iterable[str],
        deprecated: Mapping[str, str],
        modules: Mapping[str, ModuleInfo],
        aliases: Mapping[str, str],
        problems: Iterable[str] = (),
        primary: Iterable[str] | None = None,
    ):
        self._names = names  # shared with the loader's copy: never mutated
        self._order = {ns: i for i, ns in enumerate(namespaces)}
        self._deprecated = deprecated
        self.modules = dict(modules)  # root module -> ModuleInfo
        # alias -> qualified path ("nn" -> "torch.nn"); roots map to themselves.
        self.aliases = dict(aliases)
        self.problems = tuple(problems)
        self._primary = set(primary) if primary is not None else set(self._order)
        self._children: dict[str, list[str]] | None = None
        self._by_leaf: dict[str, list[str]] | None = None
        self._by_folded_leaf: dict[str, list[str]] | None = None
        self._details: dict[str, list] = {}
        self._details_loaded: set[str] = set()
        self._memo: dict = {}

    def memo(self, key, compute):
        """A value derived from this index, computed once (suggestion pools)."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    # -- lookups used by the check ------------------------------------------------
    def __contains__(self, qualified: str) -> bool:
        return qualified in self._names

    def __len__(self) -> int:
        return len(self._names)

    def kind_code(self, qualified: str) -> str | None:
        code = self._names.get(qualified)
        return code[0] if code else None

    def is_namespace(self, qualified: str) -> bool:
        return qualified in self._order

    def is_canonical(self, qualified: str) -> bool:
        """False for a second name of the same object (torch.nn.modules.linear.Linear)."""
        code = self._names.get(qualified)
        return bool(code) and not code.endswith("~")

    def namespace_rank(self, qualified: str) -> int:
        return self._order.get(qualified, len(self._order))

    def deprecated(self, qualified: str) -> str | None:
        """The replacement ("" when unknown) if the name is deprecated, else None."""
        return self._deprecated.get(qualified)

    def version(self, root: str) -> str:
        info = self.modules.get(root)
        return info.version if info else ""

    def root_of(self, qualified: str) -> str:
        return qualified.split(".", 1)[0]

    def is_primary(self, namespace: str) -> bool:
        """A namespace people write (torch.nn), not an implementation module (torch.ops.aten)."""
        return namespace in self._primary

    def module_namespaces(self, root: str) -> list[str]:
        """The primary modules under ``root``, in walk order."""
        return [
            ns
            for ns in self._order
            if self.root_of(ns) == root and ns in self._primary and self.kind_code(ns) == "m"
        ]

    def children(self, namespace: str) -> list[str]:
        """Leaf names directly under ``namespace``, in sorted order."""
        if self._children is None:
            self._build_maps()
        return self._children.get(namespace, [])  # type: ignore[union-attr]

    def by_leaf(self, leaf: str) -> list[str]:
        """Canonical qualified names ending in exactly ``leaf``."""
        if self._by_leaf is None:
            self._build_maps()
        return self._by_leaf.get(leaf, [])  # type: ignore[union-attr]

    def by_folded_leaf(self, leaf: str) -> list[str]:
        """Canonical qualified names whose leaf equals ``leaf`` ignoring case."""
        if self._by_folded_leaf is None:
            self._build_maps()
        return self._by_folded_leaf.get(leaf.casefold(), [])  # type: ignore[union-attr]

    def _build_maps(self) -> None:
        # Built on first need only: a clean vault never pays for them.
        children: dict[str, list[str]] = {}
        by_leaf: dict[str, list[str]] = {}
        by_folded: dict[str, list[str]] = {}
        for qualified, code in self._names.items():
            parent, _, leaf = qualified.rpartition(".")
            if not parent:
                continue
            children.setdefault(parent, []).append(leaf)
            if not code.endswith("~"):
                by_leaf.setdefault(leaf, []).append(qualified)
                by_folded.setdefault(leaf.casefold(), []).append(qualified)
        for leaves in children.values():
            leaves.sort()
        self._children, self._by_leaf, self._by_folded_leaf = children, by_leaf, by_folded

    # -- aliases ------------------------------------------------------------------
    def expand(self, name: str, aliases: Mapping[str, str] | None = None) -> str:
        """``nn.Linear`` -> ``torch.nn.Linear`` using ``aliases`` (default: configured)."""
        table = self.aliases if aliases is None else aliases
        head, dot, rest = name.partition(".")
        target = table.get(head)
        if target is None:
            return name
        return f"{target}{dot}{rest}"

    def display(self, qualified: str, aliases: Mapping[str, str] | None = None) -> str:
        """The shortest way a note with ``aliases`` writes ``qualified`` (F.relu)."""
        table = self.aliases if aliases is None else aliases
        best = qualified
        for alias, target in table.items():
            if qualified == target or qualified.startswith(target + "."):
                candidate = alias + qualified[len(target):]
                if len(candidate) < len(best):
                    best = candidate
        return best

    # -- entries for the language server ------------------------------------------
    def get(self, name: str, aliases: Mapping[str, str] | None = None) -> ApiEntry | None:
        """The entry for a qualified or aliased name (``nn.Linear``), or None."""
        qualified = name if name in self._names else self.expand(name, aliases)
        code = self._names.get(qualified)
        if code is None:
            return None
        signature, summary = self._detail(qualified)
        replacement = self._deprecated.get(qualified)
        return ApiEntry(
            name=qualified,
            kind=KINDS.get(code[0], "attribute"),
            signature=signature,
            summary=summary,
            deprecated=replacement is not None,
            replacement=replacement or "",
        )

    def complete(self, prefix_namespace: str, aliases: Mapping[str, str] | None = None) -> list[ApiEntry]:
        """Entries directly under a namespace (``"nn"`` or ``"torch.nn"``), sorted by name."""
        namespace = prefix_namespace.rstrip(".")
        if namespace not in self._names:
            namespace = self.expand(namespace, aliases)
        entries = []
        for leaf in self.children(namespace):
            entry = self.get(f"{namespace}.{leaf}")
            if entry is not None:
                entries.append(entry)
        return entries

    def _detail(self, qualified: str) -> tuple[str, str]:
        root = self.root_of(qualified)
        if root not in self._details_loaded:
            self._details_loaded.add(root)
            info = self.modules.get(root)
            if info is not None:
                from .cache import IndexUnavailable, read_json

                try:
                    self._details.update(read_json(info.details_file).get("details", {}))
                except IndexUnavailable:
                    pass  # hover without docs is better than no hover
        found = self._details.get(qualified)
        return (found[0], found[1]) if found else ("", "")
