"""Loading a large vault in worker processes that keep the notes they parse.

A cold run parses thousands of notes.  Parsing them in a process pool and
sending every parsed note back costs the parent nearly as much as the parse
saved: unmarshalling and rebuilding the notes, then saving them to the parse
cache, all on one core while the workers wait.  Here each worker instead keeps
the notes it parses (it takes the listing's notes a chunk at a time, so the
shares even out) and sends back only their *outline*:
path, size, aliases, headings, block ids and tags, which is everything one
note's checks may read of another (HACKING.md, "what a note rule may read of
other notes") and everything the graph shows of a note.

From the outlines every process builds the same vault-wide index, so the work
that needs a note's full text (the note rules, resolving its links for the
graph) runs in the worker that owns the note, and only its results travel:
diagnostics as plain rows, graph links as plain tuples.  Each worker also
writes its own part of the parse cache (:mod:`vaultkit.core.cache`).

Workers are forked, sharing the parent's settings, configuration and loaded
API-name index copy-on-write; fork is only safe while the parent runs no other
thread, so :func:`open_sharded` returns None when it is not worth it or not
safe, and the caller loads the vault in one process as before.  Whatever a
caller gets from a sharded vault equals what the one-process path computes
(tests/test_shards.py holds the two side by side).
"""

from __future__ import annotations

import gc
import marshal
import os
import signal
import threading
import traceback
from multiprocessing.connection import wait
from typing import Any, Iterable

from . import cache as parse_cache
from .files import FileProblem, read_note
from .gcpause import gc_paused
from .model import BlockId, Heading, Note, Tag
from .parse import parse_note
from .plain import from_plain, to_plain
from .span import Span
from .vault import _PARALLEL_THRESHOLD, LoadPlan, Vault, plan_load

_new = tuple.__new__
# What the workers start from: set just before they fork, never used otherwise.
_FORKED: tuple | None = None  # (plan, shared position in plan.note_entries)
# Notes a worker takes at a time.  Workers take the next chunk when done with
# theirs, so one that gets less CPU (the parent importing, a busy machine)
# simply parses fewer notes instead of holding everyone up.
_CHUNK = 50


class ShardError(RuntimeError):
    """A worker failed; the caller falls back to loading in one process."""


def outline(note: Note) -> tuple:
    """What other notes (and the graph) may read of ``note``, as plain tuples."""
    return (
        note.path, note.line_count, note.size, tuple(note.aliases),
        tuple((h.level, h.text, tuple(h.span)) for h in note.headings),
        tuple((b.id, tuple(b.span)) for b in note.block_ids),
        tuple((t.name, tuple(t.span), t.source) for t in note.tags),
        len(note.code_blocks),
    )


def _path_only(entry) -> Note:
    """A note known only by its listing entry: enough to resolve links to it."""
    return _new(Note, (entry.path, 0, entry.size, {}, None, None, (), (), (), (), (), (), (), (), (), (), (), ()))


def outline_note(row: tuple) -> Note:
    """A note rebuilt from its outline: no links, code, comments or schedules.

    Only good for what the outline holds; never check or export such a note's
    own content."""
    path, line_count, size, aliases, heads, blocks, tags, _code = row
    S = Span
    return _new(Note, (
        path, line_count, size, {}, None, None, tuple(aliases),
        tuple([_new(Heading, (a, b, _new(S, c))) for a, b, c in heads]),
        tuple([_new(BlockId, (a, _new(S, b))) for a, b in blocks]),
        tuple([_new(Tag, (a, _new(S, b), c)) for a, b, c in tags]),
        (), (), (), (), (), (), (), (),
    ))


# ------------------------------------------------------------------ the worker


class _Worker:
    """The state of one worker process: the notes it owns, and the vault-wide
    view built from every note's outline once the parent sends them."""

    def __init__(self, conn, index: int, jobs: int):
        self.conn = conn
        self.plan: LoadPlan = _FORKED[0]
        self.next_entry = _FORKED[1]
        self.index = index
        self.notes: dict[str, Note] = {}
        self.vault: Vault | None = None
        self.saved: bool | None = None  # what save() returned, once it ran
        self.after_reply = None  # work to do once the current reply is sent

    def parse(self, link_tags: bool | None) -> bytes:
        """Parse (or take from the cache) this worker's share of the notes.

        Each chunk's outlines travel as soon as it is parsed (a ``part`` message),
        so that the parent unmarshals them while the workers go on instead of all
        at the end.  With ``link_tags`` not None, the chunk's links are also
        resolved for the graph (:meth:`links`) right away, against every note the
        listing names: that needs no other note's outline, and is exact unless
        some note could not be read (the parent then asks again with
        :meth:`links`)."""
        plan = self.plan
        plain_of: dict[str, tuple] = {}
        listed = None
        if link_tags is not None:
            from .graph import link_rows

            listed = plan.vault({e.path: _path_only(e) for e in plan.note_entries}, [])
        for chunk in self._take():
            problems = []
            missing = []
            parsed = []
            for entry in chunk:
                hit = plan.cached.get(entry.path)
                note = None
                if hit is not None:
                    try:
                        note = from_plain(hit[2])
                        plain_of[entry.path] = hit
                    except (TypeError, ValueError):  # an entry of an older layout
                        note = None
                if note is None:
                    text, problem = read_note(plan.root, entry)
                    if problem is not None:
                        problems.append((problem.path, problem.kind, problem.message, tuple(problem.span)))
                    if text is not None:
                        note = parse_note(entry.path, text, plan.options, size=entry.size)
                        plain_of[entry.path] = (entry.size, entry.mtime_ns, None)  # made by save()
                if note is not None:
                    self.notes[entry.path] = note
                    parsed.append(note)
                else:
                    missing.append(entry.path)
            rows = None if listed is None else [(n.path, link_rows(listed, n, link_tags)) for n in parsed]
            outlines = [outline(n) for n in parsed]
            self.conn.send(("part", (len(chunk), marshal.dumps((outlines, problems, missing, rows)))))
        self.plain_of = plain_of  # written by save(), once the parent has what it waits for
        gc.freeze()  # the notes live as long as the worker: keep them out of the collector's walks
        if link_tags is not None:
            # A graph asks nothing more of the workers than these rows (unless a
            # note could not be read): save the cache right after replying,
            # while the parent still gathers the other workers' parts.
            self.after_reply = self._save_now
        return b""

    def _save_now(self) -> None:
        self.saved = self.save(None)

    def _take(self):
        """The listing's entries this worker takes, a chunk at a time."""
        entries = self.plan.note_entries
        while True:
            with self.next_entry.get_lock():
                start = self.next_entry.value
                self.next_entry.value = start + _CHUNK
            if start >= len(entries):
                return
            yield entries[start:start + _CHUNK]

    def save(self, _arg) -> bool:
        """Write this worker's part of the parse cache (once: a second call says
        how the first went).

        It is the last request a worker gets, and its result is only needed by
        the next run: the worker lowers its priority first, so that the parent
        (building and writing the output meanwhile, the part the user waits for)
        keeps a core to itself instead of sharing two with both savers."""
        if self.saved is not None:
            return self.saved
        plan = self.plan
        if not plan.use_cache:
            return False
        try:
            os.nice(10)
        except (AttributeError, OSError):  # no nice on this platform: save at full priority
            pass
        entries = {
            path: entry if entry[2] is not None else (entry[0], entry[1], to_plain(self.notes[path]))
            for path, entry in self.plain_of.items()
        }
        self.plain_of = {}
        return parse_cache.save_part(plan.root, plan.options, f"part{self.index}", entries)

    def full(self, paths: list[str]) -> bytes:
        return marshal.dumps([to_plain(self.notes[p]) for p in paths if p in self.notes])

    def _vault(self, outlines: bytes) -> Vault:
        """The vault-wide view: this worker's notes in full, the others' outlines."""
        if self.vault is None:
            notes = {row[0]: outline_note(row) for row in marshal.loads(outlines)}
            notes.update(self.notes)
            self.vault = self.plan.vault(notes, [])
            gc.freeze()
        return self.vault

    def check(self, arg) -> bytes:
        from ..runner import check_notes, prepare_services, to_wire

        outlines, config, today, services, paths = arg
        vault = self._vault(outlines)
        mine = [p for p in paths if p in self.notes]
        # The API-name index was loaded before the fork: this is a memo hit.
        all_services = prepare_services(vault, config, [], run_code=False)
        all_services.update(services)
        return to_wire(check_notes(vault, config, today, all_services, mine, jobs=1))

    def links(self, arg) -> bytes:
        from .graph import link_rows

        outlines, paths, with_tags = arg
        vault = self._vault(outlines)
        return marshal.dumps([
            (p, link_rows(vault, self.notes[p], with_tags)) for p in paths if p in self.notes
        ])


def _serve(conn, index: int, jobs: int) -> None:
    # Ctrl-C reaches the whole process group: the parent handles it and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # a worker builds many small objects that form no cycles: see gcpause
    worker = _Worker(conn, index, jobs)
    while True:
        try:
            op, arg = conn.recv()
        except (EOFError, OSError):
            return
        if op == "stop":
            # Exit without freeing the notes object by object (40 ms for 5k notes,
            # which the parent would wait for): nothing here needs cleaning up,
            # the cache part is written and closed.
            conn.close()
            os._exit(0)
        try:
            reply = ("ok", getattr(worker, op)(arg))
        except BaseException:  # noqa: BLE001 - reported to the parent, which falls back
            reply = ("error", traceback.format_exc())
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return
        later, worker.after_reply = worker.after_reply, None
        if later is not None:
            try:
                later()
            except Exception:  # noqa: BLE001 - a cache not written is a cache not used
                worker.saved = False


# ------------------------------------------------------------------ the parent


class ShardedVault:
    """A vault loaded by worker processes that keep its notes.

    ``vault`` holds every note's outline only (see :func:`outline_note`): use it
    for paths, settings, problems and link targets; ask the workers for anything
    that needs a note's content (:meth:`check_notes`, :meth:`link_rows`,
    :meth:`full_notes`).  Close it (or use it as a context manager) to stop the
    workers.
    """

    def __init__(self, plan: LoadPlan, jobs: int, progress=None, link_tags: bool | None = None,
                 meanwhile=None):
        global _FORKED
        import multiprocessing

        self.plan = plan
        ctx = multiprocessing.get_context("fork")
        self._conns = []
        self._procs = []
        _FORKED = (plan, ctx.Value("q", 0))
        try:
            for index in range(jobs):
                parent_end, child_end = ctx.Pipe()
                proc = ctx.Process(target=_serve, args=(child_end, index, jobs), daemon=True)
                proc.start()
                child_end.close()
                self._conns.append(parent_end)
                self._procs.append(proc)
        finally:
            _FORKED = None
        self._outline_rows: list[tuple] = []
        self._outline_bytes: bytes | None = None
        self._saving = False
        try:
            with gc_paused():  # hundreds of thousands of small tuples arrive: see gcpause
                self.vault = self._load(progress, link_tags, meanwhile)
        except BaseException:
            self.close(save=False)
            raise
        gc.freeze()  # as load_vault does: the outlines live as long as the vault

    def _ask(self, op: str, arg: Any = None, progress=None) -> list[Any]:
        """Send ``op`` to every worker; their replies in worker order."""
        self._send(op, arg)
        return self._collect(progress)

    def _send(self, op: str, arg: Any = None) -> None:
        if self._saving:
            raise ShardError("the workers are saving the parse cache: nothing more can be asked")
        for conn in self._conns:
            conn.send((op, arg))

    def _collect(self, progress=None, on_part=None) -> list[Any]:
        """Every worker's reply, in worker order.  Meanwhile ``progress(done)`` is
        called as notes are parsed and ``on_part(payload)`` with each ``part``
        message (chunks of a reply sent ahead of it)."""
        replies: dict[int, Any] = {}
        pending = {conn: i for i, conn in enumerate(self._conns)}
        done = 0
        while pending:
            for conn in wait(list(pending)):
                try:
                    kind, payload = conn.recv()
                except (EOFError, OSError):
                    raise ShardError("a worker process ended unexpectedly") from None
                if kind == "part":
                    count, payload = payload
                    on_part(payload)
                    done += count
                    if progress:
                        progress(done)
                    continue
                if kind == "error":
                    raise ShardError(payload)
                replies[pending.pop(conn)] = payload
        return [replies[i] for i in range(len(self._conns))]

    def _load(self, progress, link_tags, meanwhile) -> Vault:
        plan = self.plan
        total = len(plan.note_entries)
        report = (lambda done: progress(done, total)) if progress else None
        if progress:
            progress(0, total)
        outlines: list[tuple] = []
        problems = list(plan.problems)
        missing: list[str] = []
        link_rows: dict[str, list[tuple]] = {}
        notes: dict[str, Note] = {}

        def take_part(part: bytes) -> None:
            # Everything done here is done while the workers go on parsing.
            rows, worker_problems, worker_missing, worker_links = marshal.loads(part)
            outlines.extend(rows)
            for row in rows:
                notes[row[0]] = outline_note(row)
            problems.extend(FileProblem(p, k, m, Span(*s)) for p, k, m, s in worker_problems)
            missing.extend(worker_missing)
            if worker_links is not None:
                link_rows.update(worker_links)

        self._send("parse", link_tags)
        if meanwhile is not None:
            meanwhile()
        self._collect(report, take_part)
        # Links resolved against the listing are exact only if every listed note loaded.
        self._early_links = link_rows if link_tags is not None and not missing else None
        self._early_tags = link_tags
        outlines.sort(key=lambda row: row[0])
        self.with_code = {row[0] for row in outlines if row[7]}  # notes that have code blocks
        self._outline_rows = outlines
        return plan.vault({row[0]: notes[row[0]] for row in outlines}, _ordered_problems(plan, problems))

    def _outlines(self) -> bytes:
        """Every note's outline, as the workers' :meth:`_Worker._vault` reads them."""
        if self._outline_bytes is None:
            self._outline_bytes = marshal.dumps(self._outline_rows)
        return self._outline_bytes

    def full_notes(self, paths: Iterable[str]) -> dict[str, Note]:
        """The complete notes of ``paths``, from the workers that own them."""
        wanted = list(paths)
        notes = {}
        for reply in self._ask("full", wanted):
            for plain in marshal.loads(reply):
                note = from_plain(plain)
                notes[note.path] = note
        return notes

    def check_notes(self, config, today, services, paths) -> tuple[dict[str, list], dict[str, list] | None]:
        """Same as :func:`vaultkit.runner.check_notes` on the fully loaded vault,
        with the diagnostics also as :func:`vaultkit.runner.to_rows` rows (None
        when a check put something in ``data`` that only pickle carries)."""
        from ..runner import from_rows, from_wire, rows_from_wire

        # The API-name index is inherited by the workers; only the rest travels.
        extra = {k: v for k, v in (services or {}).items() if k != "api_index"}
        by_note: dict[str, list] = {}
        rows: dict[str, list] | None = {}
        for reply in self._ask("check", (self._outlines(), config, today, extra, list(paths))):
            part = rows_from_wire(reply)
            if part is None:
                by_note.update(from_wire(reply))
                rows = None
            else:
                by_note.update((path, from_rows(r)) for path, r in part.items())
                if rows is not None:
                    rows.update(part)
        return by_note, rows

    def link_rows(self, paths: Iterable[str], with_tags: bool) -> dict[str, list[tuple]]:
        """:func:`vaultkit.core.graph.link_rows` of each of ``paths``."""
        paths = list(paths)
        early = self._early_links
        if early is not None and self._early_tags == with_tags and all(p in early for p in paths):
            return {p: early[p] for p in paths}
        out: dict[str, list[tuple]] = {}
        for reply in self._ask("links", (self._outlines(), list(paths), with_tags)):
            out.update(marshal.loads(reply))
        return out

    def save_cache(self) -> None:
        """Have the workers write their parts of the parse cache now, while this
        process goes on (the last request: :meth:`close` waits for them)."""
        if self._saving or not self._conns:
            return
        self._send("save")
        self._saving = True

    def _finish_saving(self) -> None:
        plan = self.plan
        try:
            if not self._saving:
                self.save_cache()
            written = self._collect()
        except (ShardError, OSError):
            return  # the cache is never needed: a part not written is a part not used
        finally:
            self._saving = False
        if plan.use_cache and all(written):
            parse_cache.remove_parts(plan.root, keep={f"part{i}" for i in range(len(written))})

    def close(self, save: bool = True) -> None:
        """Wait for the workers to write the parse cache (unless ``save`` is
        false: after an error or an interrupt), then stop them."""
        if save and self._conns and self.plan.use_cache:
            self._finish_saving()
        for conn in self._conns:
            try:
                conn.send(("stop", None))
            except (OSError, ValueError):
                pass
        for proc in self._procs:
            # After an error a worker may still be busy: it holds nothing worth waiting for.
            proc.join(timeout=5 if save else 0.2)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for conn in self._conns:
            conn.close()
        self._conns = []
        self._procs = []

    def __enter__(self) -> "ShardedVault":
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        self.close(save=exc_type is None)


def _ordered_problems(plan: LoadPlan, problems: list[FileProblem]) -> list[FileProblem]:
    """Problems in the order the one-process load reports them: the listing's and
    the settings' first, then the notes' in the listing's order."""
    listed = len(plan.problems)
    position = {entry.path: i for i, entry in enumerate(plan.note_entries)}
    return problems[:listed] + sorted(problems[listed:], key=lambda p: position.get(p.path, -1))


def open_sharded(path, *, config=None, use_cache: bool = True, jobs: int | None = None,
                 listing=None, progress=None, min_to_parse: int = _PARALLEL_THRESHOLD,
                 link_tags: bool | None = None, meanwhile=None, plan: LoadPlan | None = None):
    """A :class:`ShardedVault` when at least ``min_to_parse`` notes need parsing,
    several workers are allowed and forking is safe; else None (load in one
    process).  Raises :class:`vaultkit.errors.UsageError` for an unusable path.

    ``link_tags`` not None asks the workers to resolve links for the graph while
    they load (with tags as links when True): see :meth:`ShardedVault.link_rows`.
    ``meanwhile()`` is called while the workers parse: work for this process
    that the workers need not share (imports for later).  ``plan`` is what
    :func:`vaultkit.core.vault.plan_load` returned for the same arguments."""
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs < 2 or not hasattr(os, "fork") or threading.active_count() != 1:
        return None
    if plan is None:
        plan = plan_load(path, config=config, use_cache=use_cache, listing=listing)
    if len(plan.todo) < min_to_parse:
        return None
    jobs = min(jobs, len(plan.note_entries))
    try:
        return ShardedVault(plan, jobs, progress, link_tags, meanwhile)
    except OSError as exc:  # no fork, no pipe, no shared memory: the caller loads in one process
        raise ShardError(f"cannot start worker processes: {exc}") from None
