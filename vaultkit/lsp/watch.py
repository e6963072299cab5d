"""Workspace roots, settings, and file changes made outside the editor.

The client's watcher is used when it offers dynamic registration of
``workspace/didChangeWatchedFiles``; otherwise the server watches its roots
itself with watchfiles.  Either way a change updates that one note and
re-checks the open notes it can affect: never a rebuild of the vault.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from lsprotocol import types

from . import convert
from .state import is_note_file, settings_from

if TYPE_CHECKING:
    from .server import VaultkitServer

log = logging.getLogger(__name__)

SECTION = "vaultkit"


def folders_from(params: types.InitializeParams) -> list[Path]:
    uris = [f.uri for f in params.workspace_folders or ()]
    if not uris and params.root_uri:
        uris = [params.root_uri]
    if not uris and params.root_path:
        return [Path(params.root_path)]
    folders = []
    for uri in uris:
        path = convert.uri_to_path(uri)
        if path is not None and path.is_dir():
            folders.append(path)
    return folders


# --- settings -----------------------------------------------------------------------------


def _supports_configuration(ls: "VaultkitServer") -> bool:
    caps = ls.client_capabilities
    return bool(caps and caps.workspace and caps.workspace.configuration)


async def pull_settings(ls: "VaultkitServer") -> None:
    if not _supports_configuration(ls):
        return
    try:
        result = await asyncio.wait_for(
            ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            ),
            timeout=5,
        )
    except Exception:  # a client that does not answer must not stall startup
        log.warning("workspace/configuration failed", exc_info=True)
        return
    if result and isinstance(result[0], dict):
        # The client's answer is its whole current configuration, on top of the
        # initializationOptions: a key the user removed since must stop applying,
        # so start again from those rather than merging into the last state.
        ls.state.settings = {**ls.state.initial_settings, **settings_from(result[0])}
    _report_settings_error(ls)


def _report_settings_error(ls: "VaultkitServer") -> None:
    if ls.state.settings_error:
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=f"vaultkit: {ls.state.settings_error}")
        )
        ls.state.settings_error = None


async def settings_changed(ls: "VaultkitServer", settings: Any) -> None:
    if _supports_configuration(ls):
        await pull_settings(ls)
    else:
        pushed = dict(settings_from(settings)) if settings else {}
        ls.state.settings = {**ls.state.initial_settings, **pushed}
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(ls.state.executor, ls.state.reload_all)
    _report_settings_error(ls)
    await ls.diagnostics.recheck_open()


# --- roots --------------------------------------------------------------------------------


async def start(ls: "VaultkitServer") -> None:
    """Load the folders' vaults (off the loop) and start watching them."""
    await register_client_watcher(ls)
    await load_roots(ls)


async def wait_ready(ls: "VaultkitServer", timeout: float = 30) -> None:
    try:
        await asyncio.wait_for(ls.ready.wait(), timeout)
    except asyncio.TimeoutError:
        pass


async def load_roots(ls: "VaultkitServer") -> None:
    loop = asyncio.get_running_loop()
    if not ls.watcher.client_watches:
        # Watch first, so that a note created while the vaults load is not missed.
        ls.watcher.watch(ls.state.folder_roots())
    for root in ls.state.folder_roots():
        await loop.run_in_executor(ls.state.executor, ls.state.ensure_loaded, root)
        state = ls.state.vaults.get(root)
        if state is not None and state.error:
            ls.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=state.error))
    if not ls.watcher.client_watches:
        ls.watcher.watch(ls.state.folder_roots())


async def folders_changed(ls: "VaultkitServer", params: types.DidChangeWorkspaceFoldersParams) -> None:
    removed = {convert.uri_to_path(f.uri) for f in params.event.removed}
    folders = [f for f in ls.state.folders if f not in removed]
    for added in params.event.added:
        path = convert.uri_to_path(added.uri)
        if path is not None and path.is_dir() and path not in folders:
            folders.append(path)
    ls.state.folders = folders
    await load_roots(ls)


# --- file changes ---------------------------------------------------------------------------


async def register_client_watcher(ls: "VaultkitServer") -> None:
    caps = ls.client_capabilities
    watched = caps.workspace.did_change_watched_files if caps and caps.workspace else None
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern="**/*.md")]
    )
    try:
        await asyncio.wait_for(
            ls.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="vaultkit-watch-notes",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=options,
                        )
                    ]
                )
            ),
            timeout=5,
        )
    except Exception:
        log.warning("client refused the file watcher; watching the folders ourselves", exc_info=True)
        return
    ls.watcher.client_watches = True


def files_changed(ls: "VaultkitServer", changes: Iterable[tuple[str, Any]]) -> None:
    paths = []
    for uri, _kind in changes:
        path = convert.uri_to_path(uri)
        if path is not None and is_note_file(path):
            paths.append(path)
    if paths:
        ls.diagnostics.run_changes(lambda: [ls.state.disk_changed(p) for p in paths])


class Watcher:
    """The server's own watcher (watchfiles) for clients that cannot watch for us."""

    def __init__(self, server: "VaultkitServer") -> None:
        self.server = server
        self.client_watches = False
        self._task: asyncio.Task | None = None
        self._stop: asyncio.Event | None = None
        self._roots: list[Path] = []

    def watch(self, roots: list[Path]) -> None:
        if not roots or sorted(roots) == sorted(self._roots):
            return
        self.stop()
        self._roots = list(roots)
        self._stop = asyncio.Event()
        self._task = asyncio.ensure_future(self._run(self._roots, self._stop))

    async def _run(self, roots: list[Path], stop: asyncio.Event) -> None:
        try:
            from watchfiles import awatch
        except ImportError:
            log.warning("watchfiles is missing: changes outside the editor are not seen")
            return

        def only_notes(_change, path: str) -> bool:
            return path.lower().endswith(".md") and "/.obsidian/" not in path and "/.git/" not in path

        try:
            async for batch in awatch(*roots, watch_filter=only_notes, stop_event=stop, debounce=200):
                files_changed(self.server, [(convert.path_to_uri(Path(p)), kind) for kind, p in batch])
        except Exception:
            log.exception("file watcher stopped")

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self._task = None
        self._roots = []
