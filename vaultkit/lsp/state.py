"""What the server knows: vault roots, open documents' unsaved text, and
which notes an edit can affect.

One ``VaultState`` per vault root, holding the engine's Vault.  The engine is
updated note by note (``vault.update_note`` / ``vault.remove_note``): an edit
re-parses the edited note only.  Every vault mutation and every check runs on
one worker thread (``State.executor``), so the event loop never parses and the
vault never sees two writers.  Read-only requests (completion, hover, ...)
read the vault from the event loop; they see either the old or the new note,
never half of one, because the engine swaps whole Note objects.

No pygls here: the feature modules translate.
"""

from __future__ import annotations

import datetime as _dt
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..config import Config, ConfigError, load_config, merge
from ..diagnostics import Diagnostic

log = logging.getLogger(__name__)

ROOT_MARKER = ".obsidian"


def is_note_file(path: Path) -> bool:
    return path.suffix.lower() == ".md"


def _name_key(target: str) -> str:
    """The lower-cased base name a link target or path is looked up by."""
    base = target.rsplit("/", 1)[-1].lower()
    return base[:-3] if base.endswith(".md") else base


@dataclass
class VaultState:
    """One vault root and its engine Vault."""

    root: Path
    config: Config
    vault: Any = None  # vaultkit.core.vault.Vault once loaded
    standalone: Path | None = None  # set when the "vault" is a lone note outside any vault
    error: str | None = None
    # Bumped when a note appears, disappears or changes its aliases: caches of
    # names (completion) key on it.
    generation: int = 0

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def abs(self, rel: str) -> Path:
        return self.root / rel


@dataclass(frozen=True)
class Change:
    """What an update did to one note, enough to find who else must be re-checked."""

    vault: VaultState
    path: str
    old: Any  # Note | None
    new: Any  # Note | None

    @property
    def names_changed(self) -> bool:
        return (self.old is None) != (self.new is None)

    @property
    def anchors_changed(self) -> bool:
        if self.old is None or self.new is None:
            return True
        return _anchors(self.old) != _anchors(self.new)


def _anchors(note) -> tuple:
    return (
        tuple(h.text for h in note.headings),
        tuple(b.id for b in note.block_ids),
    )


class State:
    """All vaults, the editor overlay and the settings."""

    def __init__(self) -> None:
        self.folders: list[Path] = []
        self.settings: dict[str, Any] = {}
        # initializationOptions: the base that workspace/configuration answers go on top of
        self.initial_settings: dict[str, Any] = {}
        self.vaults: dict[Path, VaultState] = {}
        self.overlay: dict[Path, str] = {}  # open documents: absolute path -> text
        # The URI each open document was opened with: clients compare URIs as
        # strings, and their percent-encoding may differ from ours.
        self.client_uris: dict[Path, str] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vaultkit-engine")
        self.services_extra: dict[str, Any] = {}
        self.exec_results: dict[Path, dict[str, Any]] = {}  # root -> {note path: NoteRun}
        self.settings_error: str | None = None
        self._api_index: Any = None

    # --- roots ---------------------------------------------------------------

    def root_for(self, path: Path) -> tuple[Path, bool]:
        """The vault root a file belongs to and whether it is a lone note.

        The nearest ancestor holding ``.obsidian/`` wins (Obsidian's own marker,
        no ``.git`` needed); else the innermost workspace folder holding the
        file; else the file is checked on its own.
        """
        for parent in path.parents:
            if (parent / ROOT_MARKER).is_dir():
                return parent, False
        inside = [f for f in self.folders if f == path or f in path.parents]
        if inside:
            return max(inside, key=lambda f: len(f.parts)), False
        return path.parent, True

    def folder_roots(self) -> list[Path]:
        roots = []
        for folder in self.folders:
            root, lone = self.root_for(folder / "_")
            if not lone and root not in roots:
                roots.append(root)
        return roots

    def config_for(self, root: Path) -> Config:
        try:
            config = load_config(root)
        except ConfigError as exc:
            log.warning("%s", exc)
            self.settings_error = str(exc)
            config = load_config(None)
        if self.settings:
            try:
                config = merge(config, self.settings, source="editor settings")
            except ConfigError as exc:
                self.settings_error = str(exc)
        return config

    # --- loading (worker thread) --------------------------------------------------

    def vault_for(self, path: Path) -> tuple[VaultState, str] | None:
        """The loaded vault and vault-relative path of a note file (loads on demand).

        Must run on the engine thread.
        """
        if not is_note_file(path):
            return None
        root, lone = self.root_for(path)
        key = path if lone else root
        state = self.vaults.get(key)
        if state is None:
            state = self._load(root, standalone=path if lone else None)
            self.vaults[key] = state
        if state.vault is None:
            return None
        try:
            rel = state.rel(path)
        except ValueError:
            return None
        return state, rel

    def lookup(self, path: Path) -> tuple[VaultState, str] | None:
        """Like ``vault_for`` but never loads: safe on the event loop."""
        if not is_note_file(path):
            return None
        root, lone = self.root_for(path)
        state = self.vaults.get(path if lone else root)
        if state is None or state.vault is None:
            return None
        try:
            return state, state.rel(path)
        except ValueError:
            return None

    def ensure_loaded(self, root: Path) -> VaultState:
        state = self.vaults.get(root)
        if state is None:
            state = self._load(root)
            self.vaults[root] = state
        return state

    def _load(self, root: Path, standalone: Path | None = None) -> VaultState:
        from ..core.vault import load_vault

        state = VaultState(root=root, config=self.config_for(root), standalone=standalone)
        try:
            if standalone is not None:
                state.vault = _load_single(standalone, state.config)
            else:
                # The engine parses a large uncached vault in worker processes; from
                # this threaded server it starts them from a forkserver, never by fork.
                state.vault = load_vault(root, config=state.config)
        except Exception as exc:  # an unusable root must not take the server down
            log.exception("cannot load vault %s", root)
            state.error = f"cannot load vault {root}: {exc}"
            return state
        # Open documents whose text differs from the disk win over the disk.
        for path, text in list(self.overlay.items()):
            if path == standalone or (standalone is None and root in path.parents):
                self._apply(state, state.rel(path), text, editor=True)
        return state

    def reload_all(self) -> None:
        """Settings changed: rebuild every loaded vault (rare, so a full load is fine)."""
        for key, old in list(self.vaults.items()):
            self.vaults[key] = self._load(old.root, standalone=old.standalone)

    # --- updates (worker thread) ------------------------------------------------------

    def _apply(self, state: VaultState, rel: str, text: str | None, *, editor: bool = False) -> Change:
        """Re-parse one note from ``text`` (None: the note is gone)."""
        vault = state.vault
        old = vault.notes.get(rel)
        if editor:
            vault.overlay[rel] = text
        else:
            vault.overlay.pop(rel, None)
        if text is None:
            vault.remove_note(rel)
            state.generation += 1
            return Change(state, rel, old, None)
        new = vault.parse_text(rel, text)
        vault.update_note(new)
        if old is None or old.aliases != new.aliases:
            state.generation += 1
        return Change(state, rel, old, new)

    def set_text(self, path: Path, text: str) -> Change | None:
        """An open document's text changed (or it was opened)."""
        self.overlay[path] = text
        found = self.vault_for(path)
        if found is None:
            return None
        state, rel = found
        return self._apply(state, rel, text, editor=True)

    def close(self, path: Path) -> Change | None:
        """The editor closed a document: the disk is the truth again."""
        self.client_uris.pop(path, None)
        if self.overlay.pop(path, None) is None:
            return None
        return self.disk_changed(path)

    def disk_changed(self, path: Path) -> Change | None:
        """A file was created, changed or deleted outside the editor."""
        if path in self.overlay or not is_note_file(path):
            return None  # the editor's text wins over the disk while open
        root, lone = self.root_for(path)
        state = self.vaults.get(path if lone else root)
        if state is None or state.vault is None:
            return None
        try:
            rel = state.rel(path)
        except ValueError:
            return None
        text = _read_text(path)
        if text is None and rel not in state.vault.notes:
            return None
        return self._apply(state, rel, text)

    # --- what to re-check -----------------------------------------------------------------

    def affected(self, changes: Iterable[Change]) -> list[tuple[VaultState, str]]:
        """Open notes whose diagnostics the changes can alter (the changed notes included).

        A note appearing or disappearing changes how links by that name
        resolve; a note whose headings or block ids changed changes links with
        an anchor into it.  Anything else only changes the note itself.  Only
        open notes are considered: those are the ones with diagnostics shown.
        """
        result: dict[tuple[Path, str], tuple[VaultState, str]] = {}
        by_vault: dict[Path, list[Change]] = {}
        for change in changes:
            if change.new is not None and self._is_open(change.vault, change.path):
                result[(change.vault.root, change.path)] = (change.vault, change.path)
            if change.names_changed or change.anchors_changed:
                by_vault.setdefault(change.vault.root, []).append(change)
        for root, vault_changes in by_vault.items():
            state = vault_changes[0].vault
            for path in self.open_paths():
                try:
                    rel = state.rel(path)
                except ValueError:
                    continue
                note = state.vault.notes.get(rel)
                if note is None or (root, rel) in result:
                    continue
                if any(self._link_depends(state, note, link, c) for link in note.links for c in vault_changes):
                    result[(root, rel)] = (state, rel)
        return list(result.values())

    def _link_depends(self, state: VaultState, note, link, change: Change) -> bool:
        if not link.target:
            return False  # [[#Heading]] in the same note: only that note's own edit matters
        if change.names_changed:
            return _name_key(link.target) == _name_key(change.path)
        if link.anchor and _name_key(link.target) == _name_key(change.path):
            return True
        return False

    def _is_open(self, state: VaultState, rel: str) -> bool:
        return state.abs(rel) in self.overlay

    def open_paths(self) -> list[Path]:
        return list(self.overlay)

    # --- checking (worker thread) ------------------------------------------------------

    def services(self, state: VaultState, rel: str) -> dict[str, Any]:
        services: dict[str, Any] = dict(self.services_extra)
        api = self.api_index(state.config)
        if api is not None:
            services["api_index"] = api
        results = self.exec_results.get(state.root)
        if results:
            services["exec"] = results
        return services

    def api_index(self, config: Config):
        """The torch name index, loaded once (None when it cannot be had)."""
        if self._api_index is None:
            try:
                from ..apiindex import load_index

                self._api_index = load_index(config)
            except Exception:  # missing module or unusable cache: API checks just do not run
                log.exception("cannot load the torch API index")
                self._api_index = False
        return self._api_index or None

    def check(self, state: VaultState, rel: str, today: _dt.date | None = None) -> list[Diagnostic]:
        from ..runner import check_note

        if rel not in state.vault.notes:
            return []
        today = today or _dt.date.today()
        diagnostics = check_note(state.vault, rel, state.config, today, self.services(state, rel))
        return sorted(diagnostics, key=Diagnostic.sort_key)

    # --- text for position conversion --------------------------------------------------

    def uri_for(self, path: Path) -> str:
        from .convert import path_to_uri

        return self.client_uris.get(path) or path_to_uri(path)

    def lines_of(self, state: VaultState, rel: str) -> list[str]:
        path = state.abs(rel)
        text = self.overlay.get(path)
        if text is None:
            text = _read_text(path) or ""
        return text.split("\n")


def _read_text(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n")


def _load_single(path: Path, config: Config):
    """A vault holding one note: for files opened outside any vault.

    Its text comes from the overlay (the note is open) or from the disk.
    """
    from ..core.vault import Vault

    vault = Vault(root=path.parent, notes={})
    text = _read_text(path)
    if text is not None:
        vault.update_note(vault.parse_text(path.name, text))
    return vault


def settings_from(options: Any) -> Mapping[str, Any]:
    """initializationOptions / workspace configuration -> config keys.

    Accepts the keys at the top level or under a ``vaultkit`` key.
    """
    if not isinstance(options, Mapping):
        return {}
    inner = options.get("vaultkit")
    if isinstance(inner, Mapping):
        return dict(inner)
    return dict(options)
