"""Per-note result cache for ``vaultkit check``: after an edit, only the edited
notes are checked again (ruff keeps one entry per file for the same reason).

The whole-run cache (:mod:`._results_cache`) answers when nothing changed at
all; this one answers for the notes that did not change when some did.

What a note's diagnostics depend on, and so what an entry is checked against:

* the note itself: its size and modification time (as the parse cache), and
  the results of its code blocks when code runs;
* what every other note offers as a link target: the set of notes and
  attachments, and each note's aliases, headings (text and level: ``[[N#A#B]]``
  needs B nested under A) and block ids (broken links, missing headings and the
  suggestions for them come from these);
* the run: configuration, date, whether code runs, the Spaced Repetition and
  Obsidian settings, and the versions of Python, vaultkit and torch.

The last two make up the *signature*: when it differs, no entry is used (for
example after renaming a heading, every note is checked again, since any of
them may link to it).  Any problem reading or writing the cache means "no
cache": it never decides a result, it only spares recomputing one.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path

from .. import __version__

_SCHEMA = 1


def _file(root: Path) -> Path:
    from ..core.cache import cache_dir

    digest = hashlib.sha1(str(root.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return cache_dir() / "note-results" / f"{digest}.marshal"


def signature(vault, config, today, run_code: bool) -> str:
    """Everything outside a note that its diagnostics may depend on, hashed."""
    from ..installed import installed_version

    outline = tuple(
        (path, tuple(note.aliases), tuple((h.level, h.text) for h in note.headings), tuple(b.id for b in note.block_ids))
        for path, note in sorted(vault.notes.items())
    )
    settings = {k: v for k, v in vars(config).items() if k != "source"}
    h = hashlib.sha256()
    # repr, not marshal: marshal's bytes for equal data differ between processes.
    h.update(repr((_SCHEMA, outline, sorted(vault.attachments))).encode("utf-8", "surrogatepass"))
    h.update(repr((
        sorted(settings.items(), key=lambda kv: kv[0]), today.isoformat(), run_code,
        vault.app_settings, vault.sr_settings, vault.parse_options,
        sys.version, __version__, installed_version("torch"),
    )).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def exec_digest(services, path: str) -> str:
    """What a note's code-block results were (empty when code does not run)."""
    run = (services.get("exec") or {}).get(path)
    if run is None:
        return ""
    return hashlib.sha1(repr((run.blocks, run.sandbox, run.problem)).encode("utf-8", "surrogatepass")).hexdigest()


def load(root: Path, sig: str) -> dict[str, tuple]:
    """``{path: (stamp, rows)}`` saved under the same signature, else ``{}``."""
    try:
        with open(_file(root), "rb") as handle:
            data = marshal.load(handle)
        if not isinstance(data, tuple) or data[0] != _SCHEMA or data[1] != sig:
            return {}
        return data[2]
    except Exception:  # noqa: BLE001 - no usable cache
        return {}


def save(root: Path, sig: str, entries: dict[str, tuple]) -> None:
    path = _file(root)
    tmp = None
    try:
        payload = marshal.dumps((_SCHEMA, sig, entries))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".note-results-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 - unwritable, or a check put what marshal cannot carry in ``data``
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def check_notes_cached(root: Path, vault, config, today, services, paths, listing, *, run_code: bool, jobs,
                       check=None):
    """The note rules' diagnostics by note, re-checking only notes whose entry
    does not match (same contract as :func:`vaultkit.runner.check_notes`).

    ``check(paths)`` checks the notes that need it and returns their
    diagnostics by note, and the same as :func:`vaultkit.runner.to_rows` rows
    when it has them (else None); by default :func:`vaultkit.runner.check_notes`
    on ``vault``."""
    from ..core.gcpause import gc_paused

    with gc_paused():  # tens of thousands of small tuples in, as many out
        return _check_notes_cached(root, vault, config, today, services, paths, listing,
                                   run_code=run_code, jobs=jobs, check=check)


def _check_notes_cached(root, vault, config, today, services, paths, listing, *, run_code, jobs, check):
    from ..runner import check_notes, from_rows, to_rows

    if check is None:
        def check(todo_paths):
            return check_notes(vault, config, today, services, todo_paths, jobs=jobs), None

    stamps = {entry.path: (entry.size, entry.mtime_ns) for entry in listing[0]}
    sig = signature(vault, config, today, run_code)
    saved = load(root, sig)
    out: dict[str, list] = {}
    entries: dict[str, tuple] = {}
    todo = []
    for path in paths:
        stamp = (*stamps.get(path, (-1, -1)), exec_digest(services, path))
        hit = saved.get(path)
        if hit is not None and tuple(hit[0]) == stamp:
            try:
                out[path] = from_rows(hit[1])
                entries[path] = hit
                continue
            except (TypeError, ValueError):  # an entry from another layout
                pass
        todo.append((path, stamp))
    fresh, fresh_rows = check([p for p, _ in todo]) if todo else ({}, None)
    for path, stamp in todo:
        out[path] = fresh[path]
        if stamp[0] >= 0:
            entries[path] = (stamp, fresh_rows[path] if fresh_rows is not None else to_rows(fresh[path]))
    if todo:
        save(root, sig, entries)
    return out
