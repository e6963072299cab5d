"""Decide whether a dotted reference names something real, and what was meant if not.

Resolution walks the chain from its root alias through indexed namespaces and
stops judging at the first leaf (``nn.Linear.weight``: ``weight`` is set in
``__init__``, not on the class).  Suggestions come in order of evidence:

1. the same spelling elsewhere or in another case (``nn.sigmoid`` ->
   ``torch.sigmoid``; ``nn.Dropout2D`` -> ``nn.Dropout2d``); among those, a
   name whose kind fits how the leaf is written comes first (a capitalised
   leaf is a class, a lower-case one a function);
2. otherwise the closest names by optimal-string-alignment distance on
   casefolded names, which counts a transposition as one edit
   (``LTSM`` -> ``LSTM``, ``AvgPoold2`` -> ``AvgPool2d``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from .index import ApiIndex

PLACEHOLDER_CHARS = frozenset("?*{")
MAX_SUGGESTIONS = 3
SIMILARITY_CUTOFF = 0.6  # OSA normalized similarity within the namespace
GLOBAL_CUTOFF = 0.75  # stricter when looking in every namespace


@dataclass(frozen=True)
class Suggestion:
    qualified: str
    reason: str  # "case" | "namespace" | "similar"
    score: float  # 1.0 for case/namespace evidence, OSA similarity otherwise


@dataclass(frozen=True)
class Resolution:
    status: str  # "ok" | "unknown"
    root: str  # indexed root module ("torch")
    bad: int = -1  # index of the first unknown part
    namespace: str = ""  # qualified namespace the bad part was looked up in
    placeholder: tuple[str, ...] | None = None  # names a placeholder part expands to
    deprecated_at: int = -1  # index of the first deprecated part
    deprecated_name: str = ""  # its qualified name
    replacement: str = ""  # what to use instead, "" when unknown


def is_placeholder(part: str) -> bool:
    return any(ch in PLACEHOLDER_CHARS for ch in part)


def placeholder_pattern(part: str) -> re.Pattern[str]:
    """``BatchNorm?d`` / ``Conv{1,2,3}d`` / ``*Loss`` as a regular expression."""
    out = []
    i = 0
    while i < len(part):
        ch = part[i]
        if ch == "?":
            out.append(".")
        elif ch == "*":
            out.append(".*")
        elif ch == "{" and "}" in part[i:]:
            end = part.index("}", i)
            choices = part[i + 1 : end].split(",")
            out.append("(?:" + "|".join(re.escape(c.strip()) for c in choices) + ")")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out))


_MISSING = object()


def resolve(index: ApiIndex, parts: Sequence[str], aliases: Mapping[str, str]) -> Resolution | None:
    """Resolve ``("nn", "LTSM")``; None when the root is not an indexed alias.

    The answer depends on the aliases only through what ``parts[0]`` stands for,
    so it is memoised per index on (parts, that target): a vault repeats the
    same few hundred names tens of thousands of times.
    """
    target = aliases.get(parts[0])
    if target is None:
        return None
    memo = index.__dict__.setdefault("_resolve_memo", {})
    key = (tuple(parts), target)
    hit = memo.get(key, _MISSING)
    if hit is _MISSING:
        hit = memo[key] = _resolve(index, parts, target)
    return hit


def _resolve(index: ApiIndex, parts: Sequence[str], target: str) -> Resolution | None:
    if target not in index:
        return None
    root = index.root_of(target)
    qualified = target
    dep_at, dep_name, replacement = -1, "", ""
    if index.deprecated(qualified) is not None:
        dep_at, dep_name, replacement = 0, qualified, index.deprecated(qualified) or ""
    for i in range(1, len(parts)):
        part = parts[i]
        if not index.is_namespace(qualified) or part.startswith("_"):
            break  # past a leaf, or a private name: not judged
        if is_placeholder(part):
            pattern = placeholder_pattern(part)
            matches = tuple(
                f"{qualified}.{leaf}" for leaf in index.children(qualified) if pattern.fullmatch(leaf)
            )
            if not matches:
                return Resolution("unknown", root, i, qualified, placeholder=())
            return Resolution("ok", root, placeholder=matches)
        candidate = f"{qualified}.{part}"
        if candidate not in index:
            if _instance_attribute(index, qualified, parts[0], part):
                break
            return Resolution("unknown", root, i, qualified, deprecated_at=dep_at,
                              deprecated_name=dep_name, replacement=replacement)
        qualified = candidate
        found = index.deprecated(qualified)
        if found is not None and dep_at < 0:
            dep_at, dep_name, replacement = i, qualified, found
    return Resolution("ok", root, deprecated_at=dep_at, deprecated_name=dep_name, replacement=replacement)


def _instance_attribute(index: ApiIndex, namespace: str, alias: str, part: str) -> bool:
    """``optim.zero_grad``: a variable named like the module holding an instance.

    Notes often call their optimizer ``optim``; when the missing name is an
    attribute of a class in that namespace whose name starts with the alias
    (``Optimizer``), the reference is about the instance, not a typo.
    """
    folded = alias.casefold()
    for leaf in index.children(namespace):
        if leaf.casefold().startswith(folded) and index.is_namespace(f"{namespace}.{leaf}"):
            if f"{namespace}.{leaf}.{part}" in index:
                return True
    return False


def suggest(index: ApiIndex, namespace: str, leaf: str, aliases: Mapping[str, str]) -> list[Suggestion]:
    """Best replacements for ``namespace.leaf``, best first (at most three)."""
    root = index.root_of(namespace)
    exact = _same_spelling(index, namespace, leaf, root, aliases)
    if exact:
        return exact[:MAX_SUGGESTIONS]
    return _similar(index, namespace, leaf, root, aliases)[:MAX_SUGGESTIONS]


def _kind_fits(index: ApiIndex, qualified: str, leaf: str) -> bool:
    if not leaf[:1].isalpha():
        return True
    is_class = index.kind_code(qualified) == "c"
    return is_class == leaf[0].isupper()


def _same_spelling(
    index: ApiIndex, namespace: str, leaf: str, root: str, aliases: Mapping[str, str]
) -> list[Suggestion]:
    folded = leaf.casefold()
    found: dict[str, str] = {}
    for child in index.children(namespace):
        if child.casefold() == folded and child != leaf:
            found.setdefault(f"{namespace}.{child}", "case")
    for qualified in index.by_leaf(leaf):
        found.setdefault(qualified, "namespace")
    for qualified in index.by_folded_leaf(leaf):
        found.setdefault(qualified, "namespace")
    reason_rank = {"case": 0, "namespace": 1}
    ranked = []
    for qualified, reason in found.items():
        parent = qualified.rpartition(".")[0]
        if index.root_of(qualified) != root or parent == namespace and reason != "case":
            continue
        if reason != "case" and not index.is_primary(parent):
            continue
        exact_leaf = qualified.rpartition(".")[2] == leaf
        key = (
            index.deprecated(qualified) is not None,
            index.kind_code(parent) == "c",  # module functions before methods
            not _kind_fits(index, qualified, leaf),
            reason_rank[reason] if reason == "case" else (1 if exact_leaf else 2),
            index.display(qualified, aliases).count("."),
            index.namespace_rank(parent),
            qualified,
        )
        ranked.append((key, Suggestion(qualified, reason, 1.0)))
    ranked.sort(key=lambda item: item[0])
    return [s for _, s in ranked]


def _similar(
    index: ApiIndex, namespace: str, leaf: str, root: str, aliases: Mapping[str, str]
) -> list[Suggestion]:
    from rapidfuzz import process
    from rapidfuzz.distance import OSA, JaroWinkler

    folded = leaf.casefold()
    choices = index.children(namespace)
    folded_choices = index.memo(("folded", namespace), lambda: [c.casefold() for c in choices])
    scored = process.extract(
        folded,
        folded_choices,
        scorer=OSA.normalized_similarity,
        score_cutoff=SIMILARITY_CUTOFF,
        limit=20,
    )
    # (qualified, score, found in the namespace itself)
    candidates = [(f"{namespace}.{choices[i]}", score, True) for _, score, i in scored]
    if len(leaf) >= 4:
        # The name may live in another namespace (torch.Lienar -> nn.Linear).
        leaves = _module_leaves(index, root)
        folded_leaves = index.memo(
            ("folded-leaves", root), lambda: [q.rpartition(".")[2].casefold() for q in leaves]
        )
        scored = process.extract(
            folded,
            folded_leaves,
            scorer=OSA.normalized_similarity,
            score_cutoff=GLOBAL_CUTOFF,
            limit=20,
        )
        seen = {c[0] for c in candidates}
        candidates += [(leaves[i], score, False) for _, score, i in scored if leaves[i] not in seen]

    def key(item):
        qualified, score, here = item
        name = qualified.rpartition(".")[2]
        return (
            -round(score, 6),
            index.deprecated(qualified) is not None,
            name.endswith("_") and not leaf.endswith("_"),  # in-place variants are rarer
            -OSA.normalized_similarity(leaf, name),  # same case pattern wins a tie
            not here,
            -JaroWinkler.similarity(folded, name.casefold()),
            index.display(qualified, aliases).count("."),
            qualified,
        )

    candidates.sort(key=key)
    return [Suggestion(qualified, "similar", score) for qualified, score, _ in candidates]


def _module_leaves(index: ApiIndex, root: str) -> list[str]:
    """Canonical names directly under the primary modules of ``root`` (not methods)."""
    return index.memo(("module-leaves", root), lambda: _collect_module_leaves(index, root))


def _collect_module_leaves(index: ApiIndex, root: str) -> list[str]:
    out = []
    for namespace in index.module_namespaces(root):
        for leaf in index.children(namespace):
            qualified = f"{namespace}.{leaf}"
            if index.is_canonical(qualified):
                out.append(qualified)
    return out
