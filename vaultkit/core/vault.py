"""The vault: notes by path, and link resolution the way Obsidian does it.

Resolution (reference A5, observed on Obsidian 1.13.7):

1. ``.md`` is implied when the link has no extension; matching ignores case
   (and Unicode normalisation: NFC and NFD spellings of a name are the same).
2. An exact vault path wins.
3. Otherwise a file of that name in the linking note's own folder.
4. Otherwise the candidate with the shortest path string; ``[[b/Note]]`` also
   matches ``a/b/Note.md`` (path suffix).  Candidates of equal shortest
   length have no winner: the link is *ambiguous* and keeps its candidates.

``./x`` and ``../x`` are relative to the linking note only; aliases never
resolve a link.  Headings match after Obsidian's normalisation (special
characters become spaces, spaces collapse, case ignored); block ids are
looked up in the target note.  Every lookup is a dictionary hit, so resolving
131k links takes a fraction of a second.
"""

from __future__ import annotations

import gc
import marshal
import os
import posixpath
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, NamedTuple

from . import cache as parse_cache
from .gcpause import gc_paused
from .files import FileEntry, FileProblem, AppSettings, discover, load_app_settings, read_note
from .model import Link, Note
from .span import Span
from .parse import ParseOptions, parse_note, split_lines
from .plain import from_plain, to_plain
from ..errors import UsageError

# Below this many notes to parse, a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 400


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The key two names are compared by: NFC, then case-folded."""
    return unicodedata.normalize("NFC", text).casefold()


_HEADING_PUNCT = re.compile(r"[!\"#$%&()*+,.:;<=>?@^`{|}~/\[\]\\]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def normalize_heading(text: str) -> str:
    """Obsidian's heading comparison form (reference A7), case-folded."""
    return _SPACES.sub(" ", _HEADING_PUNCT.sub(" ", fold(text))).strip()


class Resolution(NamedTuple):
    status: str  # "resolved" | "unresolved" | "ambiguous"
    path: str | None  # the file the link opens (a note or an attachment)
    candidates: tuple[str, ...] = ()  # every matching file, shortest first

    @property
    def ok(self) -> bool:
        return self.status == "resolved"


class LinkResolution(NamedTuple):
    resolution: Resolution
    anchor_status: str  # "none" | "ok" | "missing-heading" | "missing-block" | "case-only"
    target_note: Note | None


_UNRESOLVED = Resolution("unresolved", None)
_SELF = object()  # [[#Heading]]: the linking note itself
_RELATIVE = object()  # ./x and ../x: relative to the linking note only


def _has_extension(target: str) -> bool:
    base = target.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return 0 < dot < len(base) - 1 and " " not in base[dot:]


def names_attachment(target: str) -> bool:
    """A link target with an extension other than ``.md`` names an attachment."""
    return _has_extension(target) and not target.lower().endswith(".md")


@dataclass
class Vault:
    root: Path
    notes: dict[str, Note]
    attachments: dict[str, int] = field(default_factory=dict)
    problems: list[FileProblem] = field(default_factory=list)
    app_settings: AppSettings = field(default_factory=AppSettings)
    sr_settings: object = None
    parse_options: ParseOptions = field(default_factory=ParseOptions)
    # Unsaved editor text by path; read_lines prefers it over the disk.
    overlay: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self._build_index()

    # -- indexes ---------------------------------------------------------------------
    def _build_index(self) -> None:
        self._by_path: dict[str, str] = {}
        self._by_name: dict[str, list[str]] = {}
        for path in list(self.notes) + list(self.attachments):
            self._index_path(path)
        for names in self._by_name.values():
            names.sort(key=lambda p: (len(p), p))
        self._backlinks: dict[str, list[tuple[str, Link]]] | None = None
        self._aliases: dict[str, list[str]] | None = None
        self._suggest_memo: dict = {}
        # Resolution depends only on the target text, the source folder and the set
        # of paths: memoised until a file is added or removed.
        self._resolve_memo: dict[str, object] = {}
        # path -> (note object, its headings in comparison form)
        self._outline_memo: dict[str, tuple[Note, list[str]]] = {}

    def _index_changed(self) -> None:
        self._backlinks = None
        self._aliases = None
        self._suggest_memo = {}
        self._resolve_memo = {}

    def _index_path(self, path: str) -> None:
        key = fold(path)
        self._by_path[key] = path
        self._by_name.setdefault(key.rsplit("/", 1)[-1], []).append(path)

    # -- incremental updates (the language server) ---------------------------------
    def update_note(self, note: Note) -> None:
        """Add or replace one note; links elsewhere are re-resolved lazily."""
        is_new = note.path not in self.notes
        self.notes[note.path] = note
        if is_new:
            self._index_path(note.path)
            self._by_name[fold(note.path).rsplit("/", 1)[-1]].sort(key=lambda p: (len(p), p))
            self._index_changed()
        else:
            self._aliases = None
        if not is_new and self._backlinks is not None:
            for sources in self._backlinks.values():
                sources[:] = [item for item in sources if item[0] != note.path]
            self._add_backlinks(note)

    def remove_note(self, path: str) -> None:
        if self.notes.pop(path, None) is None:
            return
        self.overlay.pop(path, None)
        key = fold(path)
        self._by_path.pop(key, None)
        names = self._by_name.get(key.rsplit("/", 1)[-1], [])
        if path in names:
            names.remove(path)
        self._index_changed()

    def parse_text(self, path: str, text: str) -> Note:
        """Parse ``text`` as the note at ``path`` with this vault's options."""
        return parse_note(path, text, self.parse_options)

    # -- resolution ------------------------------------------------------------------
    def resolve(self, target: str, source_path: str) -> Resolution:
        """The file ``target`` (as written in a link) opens from ``source_path``."""
        info = self._resolve_memo.get(target)
        if info is None:
            info = self._resolve_memo[target] = self._target_info(target)
        if type(info) is Resolution:  # the same from every folder (see _target_info)
            return info
        folder = source_path.rsplit("/", 1)[0] if "/" in source_path else ""
        if info is _SELF:
            return Resolution("resolved", source_path, (source_path,))
        if info is _RELATIVE:
            return self._resolve_relative(target.strip().replace("\\", "/"), folder)
        folded_folder = fold(folder) + "/" if folder else ""
        for folded, exact, by_name in info:
            if exact is not None:  # rule 2: an exact vault path wins
                return exact
            if folded_folder:
                hit = self._by_path.get(folded_folder + folded)
                if hit:  # rule 3: a file of that name in the linking note's folder
                    return Resolution("resolved", hit, (hit,))
            if by_name is not None:  # rule 4: the shortest path, or ambiguous
                return by_name
        return _UNRESOLVED

    def _target_info(self, target: str):
        """What resolving ``target`` needs besides the source folder, computed once per target:
        for each key tried (``X.md`` then ``X``), its folded form, the exact-path
        resolution and the by-name resolution; or the Resolution itself when the
        folder cannot change it."""
        target = target.strip().replace("\\", "/")
        if not target:
            return _SELF
        if target.startswith("./") or target.startswith("../"):
            return _RELATIVE
        target = target.lstrip("/")
        info = []
        for key in self._keys(target):
            folded = fold(key)
            hit = self._by_path.get(folded)
            if hit:
                info.append((folded, Resolution("resolved", hit, (hit,)), None))
                break
            names = self._by_name.get(folded.rsplit("/", 1)[-1])
            if names and "/" in folded:
                suffix = "/" + folded
                names = [p for p in names if fold(p).endswith(suffix)]
            if not names:
                by_name = None
            elif len(names) > 1 and len(names[0]) == len(names[1]):
                by_name = Resolution("ambiguous", None, tuple(p for p in names if len(p) == len(names[0])))
            else:
                by_name = Resolution("resolved", names[0], tuple(names))
            info.append((folded, None, by_name))
        if all(by_name is None or len(by_name.candidates) == 1 for _, _, by_name in info):
            # No key matches several files: rule 3 (the linking note's folder) can
            # only find the one file rule 4 finds, so the result is the same from
            # every folder.  Most targets are like this; resolve() skips the
            # folder for them.
            for _, exact, by_name in info:
                if exact is not None or by_name is not None:
                    return exact or by_name
            return _UNRESOLVED
        return info

    def _resolve_relative(self, target: str, folder: str) -> Resolution:
        joined = posixpath.normpath(posixpath.join(folder, target))
        if joined.startswith("../") or joined == "..":
            return _UNRESOLVED
        for key in self._keys(joined):
            hit = self._by_path.get(fold(key))
            if hit:
                return Resolution("resolved", hit, (hit,))
        return _UNRESOLVED

    @staticmethod
    def _keys(target: str) -> tuple[str, ...]:
        if target.lower().endswith(".md"):
            return (target,)
        if _has_extension(target):
            return (target + ".md", target)
        return (target + ".md",)

    def resolve_link(self, link: Link, source_path: str) -> LinkResolution:
        resolution = self.resolve(link.target, source_path)
        if not resolution.ok or not link.anchor:
            return LinkResolution(resolution, "none", self.notes.get(resolution.path) if resolution.path else None)
        note = self.notes.get(resolution.path)
        if note is None:  # an attachment: #page=3 and friends are not checked
            return LinkResolution(resolution, "none", None)
        if link.is_block_ref:
            return LinkResolution(resolution, block_status(note, link.block_id), note)
        return LinkResolution(resolution, heading_status(note, link.heading_path, self._outline(note)), note)

    def _outline(self, note: Note) -> list[str]:
        """The note's headings in comparison form, memoised per note object."""
        hit = self._outline_memo.get(note.path)
        if hit is None or hit[0] is not note:
            hit = self._outline_memo[note.path] = (note, [normalize_heading(h.text) for h in note.headings])
        return hit[1]

    def iter_links(self):
        """Every link of the vault with where it goes: (source path, Link, LinkResolution)."""
        for path, note in self.notes.items():
            for link in note.links:
                yield path, link, self.resolve_link(link, path)

    # -- backlinks -------------------------------------------------------------------
    def _add_backlinks(self, note: Note) -> None:
        assert self._backlinks is not None
        for link in note.links:
            res = self.resolve(link.target, note.path)
            if res.path:
                self._backlinks.setdefault(res.path, []).append((note.path, link))

    def backlinks(self, path: str) -> list[tuple[str, Link]]:
        """Every (source note path, link) whose link opens ``path``."""
        if self._backlinks is None:
            self._backlinks = {}
            for note in self.notes.values():
                self._add_backlinks(note)
        return list(self._backlinks.get(path, ()))

    # -- misc ------------------------------------------------------------------------
    def is_ignored(self, path: str) -> bool:
        """Hidden by ``userIgnoreFilters`` in .obsidian/app.json (still a valid link target)."""
        return self.app_settings.is_ignored(path)

    def read_text(self, path: str) -> str | None:
        if path in self.overlay:
            return self.overlay[path]
        try:
            data = (self.root / path).read_bytes()
        except OSError:
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return data.decode("utf-8", "replace")

    def read_lines(self, path: str) -> list[str]:
        text = self.read_text(path)
        return split_lines(text) if text is not None else []

    def note_names(self) -> Iterable[str]:
        return (note.name for note in self.notes.values())

    def alias_owner(self, text: str) -> Note | None:
        """The one note that lists ``text`` among its aliases (None if none or several)."""
        if self._aliases is None:
            self._aliases = {}
            for note in self.notes.values():
                for alias in note.aliases:
                    self._aliases.setdefault(fold(alias), []).append(note.path)
        owners = self._aliases.get(fold(text.strip()), [])
        return self.notes.get(owners[0]) if len(owners) == 1 else None

    def suggest(self, query: str, cutoff: float, *, attachments: bool = False):
        """Closest note names (or attachment file names) to ``query``, memoised per vault state."""
        from .suggest import closest

        key = (query, cutoff, attachments)
        hit = self._suggest_memo.get(key)
        if hit is None:
            pool_key = ("pool", attachments)
            pool = self._suggest_memo.get(pool_key)
            if pool is None:
                paths = self.attachments if attachments else self.notes
                names = [p.rsplit("/", 1)[-1] for p in paths]
                if not attachments:
                    names = [n[:-3] for n in names]
                names = list(dict.fromkeys(names))
                pool = self._suggest_memo[pool_key] = (names, [fold(n) for n in names])
            hit = self._suggest_memo[key] = closest(query, pool[0], cutoff, keyed=pool[1])
        return hit


def heading_status(note: Note, path: tuple[str, ...], normalized: list[str] | None = None) -> str:
    """``ok`` when the heading chain ``H1#H2`` exists in ``note`` (each nested in the previous)."""
    if not path:
        return "ok"
    wanted = [normalize_heading(part) for part in path]
    headings = note.headings
    if normalized is None:
        normalized = [normalize_heading(h.text) for h in headings]
    for i, text in enumerate(normalized):
        if text != wanted[-1]:
            continue
        # walk up the outline to find the earlier components in order
        level = headings[i].level
        need = len(wanted) - 2
        j = i - 1
        while need >= 0 and j >= 0:
            if headings[j].level < level:
                level = headings[j].level
                if normalized[j] == wanted[need]:
                    need -= 1
            j -= 1
        if need < 0:
            return "ok"
    return "missing-heading"


def block_status(note: Note, block_id: str) -> str:
    for block in note.block_ids:
        if block.id == block_id:
            return "ok"
    lowered = block_id.lower()
    for block in note.block_ids:
        if block.id.lower() == lowered:
            return "ok"
    return "missing-block"


# -- loading ------------------------------------------------------------------------


def _parse_entries(root: Path, entries: list[FileEntry], options: ParseOptions):
    """(entry, note as plain tuples or None, problem or None) for each entry."""
    out = []
    for entry in entries:
        text, problem = read_note(root, entry)
        note = parse_note(entry.path, text, options, size=entry.size) if text is not None else None
        out.append((entry, to_plain(note) if note is not None else None, problem))
    return out


def _parse_batch(root: Path, entries: list[FileEntry], options: ParseOptions) -> bytes:
    """A pool worker's job: parse, and send the notes back as marshal bytes.

    Pickling NamedTuples back to the parent cost more than the parallel parse
    saved; marshal of plain tuples is several times cheaper on both ends.
    """
    gc.disable()  # a pool worker only parses: see gcpause.gc_paused
    rows = []
    for entry, plain, problem in _parse_entries(root, entries, options):
        rows.append((
            (entry.path, entry.size, entry.mtime_ns), plain,
            (problem.path, problem.kind, problem.message, tuple(problem.span)) if problem else None,
        ))
    return marshal.dumps(rows)


def _parse_parallel(root: Path, entries: list[FileEntry], options: ParseOptions, jobs: int,
                    progress=None, done: int = 0, total: int = 0):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(50, len(entries) // (jobs * 8))
    batches = [entries[i : i + chunk] for i in range(0, len(entries), chunk)]
    # fork is cheapest, but forking a process that runs other threads (the
    # language server, a progress bar) can deadlock the children on a lock some
    # thread held: then start workers from a clean forkserver instead.
    method = "fork" if threading.active_count() == 1 else "forkserver"
    ctx = multiprocessing.get_context(method)
    results = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        for data in pool.map(_parse_batch, [root] * len(batches), batches, [options] * len(batches)):
            if progress:
                progress(done + len(results), total)
            for (path, size, mtime), plain, problem in marshal.loads(data):
                results.append((
                    FileEntry(path, size, mtime), plain,
                    FileProblem(problem[0], problem[1], problem[2], Span(*problem[3])) if problem else None,
                ))
    return results


def find_vault_root(path: Path) -> Path:
    """The nearest folder at or above ``path`` holding ``.obsidian/``, else ``path`` itself."""
    for candidate in (path, *path.parents):
        if (candidate / ".obsidian").is_dir():
            return candidate
    return path


def load_vault(
    path: str | os.PathLike,
    *,
    config=None,
    use_cache: bool = True,
    jobs: int | None = None,
    progress=None,
    listing=None,
    plan: LoadPlan | None = None,
) -> Vault:
    """Discover, read and parse every note under ``path``.

    Raises :class:`UsageError` only when ``path`` is not a usable folder; every
    problem with individual files is recorded in ``vault.problems``.
    ``progress`` is an optional callable ``(done, total)``; ``listing`` is what
    :func:`vaultkit.core.files.discover` returned for this folder, when the caller
    has just walked it (the folder is then not walked twice); ``plan`` is what
    :func:`plan_load` returned for the same arguments (the parse cache is then not
    read twice).
    """
    with gc_paused():
        vault = _load_vault(path, config=config, use_cache=use_cache, jobs=jobs, progress=progress,
                            listing=listing, plan=plan)
    # The notes live as long as the vault and hold no cycles: move them out of the
    # collector's sight, or every later full collection re-walks ~1M tuples
    # (checking 10k notes went from 5.1 s to 1.0 s of CPU for the link rules).
    gc.freeze()
    return vault


@dataclass
class LoadPlan:
    """What loading a vault starts from: its settings, its files, and which notes
    the parse cache already holds (``cached``) or must be parsed (``todo``)."""

    root: Path
    app_settings: AppSettings
    sr_settings: object
    options: ParseOptions
    note_entries: list[FileEntry]
    attachment_entries: list[FileEntry]
    problems: list[FileProblem]
    cached: dict[str, tuple]  # path -> (size, mtime_ns, plain note), fresh entries only
    todo: list[FileEntry]
    use_cache: bool
    stale: bool  # the cache holds entries that are not in ``cached`` (changed or deleted notes)

    def vault(self, notes: dict[str, Note], problems: list[FileProblem]) -> Vault:
        ordered = {path: notes[path] for path in sorted(notes)}
        return Vault(
            root=self.root,
            notes=ordered,
            attachments={e.path: e.size for e in self.attachment_entries},
            problems=problems,
            app_settings=self.app_settings,
            sr_settings=self.sr_settings,
            parse_options=self.options,
        )


def plan_load(path, *, config=None, use_cache: bool = True, listing=None) -> LoadPlan:
    """Check ``path``, read the vault's settings, list its files and split them
    into cached and to-be-parsed notes.  Raises :class:`UsageError` only when
    ``path`` is not a usable folder."""
    root = Path(path)
    if not root.exists():
        raise UsageError(f"{path}: no such folder")
    if not root.is_dir():
        raise UsageError(f"{path}: not a folder (give the vault's root folder)")
    if not os.access(root, os.R_OK | os.X_OK):
        raise UsageError(f"{path}: folder cannot be read")

    from ..sr.settings import load_sr_settings

    app_settings, app_problem = load_app_settings(root)
    sr_settings, sr_problem = load_sr_settings(root)
    hide_percent = True
    if config is not None:
        hide_percent = not bool(config.option("links", "check-percent-comments"))
    options = ParseOptions(sr_settings=sr_settings, percent_comments_hide_links=hide_percent)

    note_entries, attachment_entries, problems = listing if listing is not None else discover(root)
    problems = list(problems)
    if app_problem:
        problems.append(app_problem)
    if sr_problem:
        problems.append(
            FileProblem(".obsidian/plugins/obsidian-spaced-repetition/data.json", "settings", sr_problem)
        )

    saved = parse_cache.load(root, options) if use_cache else {}
    cached: dict[str, tuple] = {}
    todo: list[FileEntry] = []
    for entry in note_entries:
        hit = saved.get(entry.path)
        if hit is not None and hit[0] == entry.size and hit[1] == entry.mtime_ns:
            cached[entry.path] = hit
        else:
            todo.append(entry)
    return LoadPlan(root, app_settings, sr_settings, options, list(note_entries), list(attachment_entries),
                    problems, cached, todo, use_cache, len(saved) != len(cached))


def _load_vault(path, *, config, use_cache, jobs, progress, listing, plan) -> Vault:
    if plan is None:
        plan = plan_load(path, config=config, use_cache=use_cache, listing=listing)
    root, options, problems = plan.root, plan.options, plan.problems
    notes: dict[str, Note] = {}
    todo = list(plan.todo)
    fresh: dict[str, tuple[int, int, Note]] = {}
    by_path = {entry.path: entry for entry in plan.note_entries}
    for note_path, hit in plan.cached.items():
        try:
            notes[note_path] = from_plain(hit[2])
        except (TypeError, ValueError):  # a cache from an older layout
            todo.append(by_path[note_path])
            continue
        fresh[note_path] = hit

    total = len(plan.note_entries)
    if progress:
        progress(len(notes), total)
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if len(todo) >= _PARALLEL_THRESHOLD and jobs > 1:
        results = _parse_parallel(root, todo, options, jobs, progress, len(notes), total)
    else:
        results = []
        for i, entry in enumerate(todo):
            results.extend(_parse_entries(root, [entry], options))
            if progress and i % 200 == 0:
                progress(len(notes) + i, total)
    parsed = False
    for entry, plain, problem in results:
        if problem is not None:
            problems.append(problem)
        if plain is not None:
            notes[entry.path] = from_plain(plain)
            fresh[entry.path] = (entry.size, entry.mtime_ns, plain)
            parsed = True
    if progress:
        progress(total, total)
    # Notes that cannot be read are tried again next time; they alone are no reason to rewrite.
    if use_cache and (parsed or plan.stale):
        parse_cache.save(root, options, fresh)
    return plan.vault(notes, problems)
