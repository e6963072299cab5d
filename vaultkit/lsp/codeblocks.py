"""Code blocks run on save and through ``vaultkit.runCodeBlocks``: off the
event loop, with work-done progress, cached by the execution service.

The results become VK4xx diagnostics the same way as in ``vaultkit check``:
they are handed to the checks as ``services["exec"]``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from . import convert

if TYPE_CHECKING:
    from .server import VaultkitServer

log = logging.getLogger(__name__)

_runs: dict[str, asyncio.Task] = {}


def on_save(ls: "VaultkitServer", uri: str) -> None:
    previous = _runs.get(uri)
    if previous is not None and not previous.done():
        return  # the running job will be followed by the next save
    _runs[uri] = asyncio.ensure_future(_run_saved(ls, uri))


async def _run_saved(ls: "VaultkitServer", uri: str) -> None:
    # Edits still waiting for the typing delay are applied first, so a note
    # saved right after it was opened or typed into is run as saved.
    await ls.diagnostics.flush(uri)
    path = convert.uri_to_path(uri)
    found = ls.state.lookup(path) if path is not None else None
    if found is None:
        return
    state, rel = found
    config = state.config
    if not config.option("exec", "enabled") or not config.option("exec", "run-on-save") or not config.is_enabled("VK4"):
        return
    note = state.vault.notes.get(rel)
    if note is None or not note.code_blocks:
        return
    await run(ls, [path])


async def run_command(ls: "VaultkitServer", args: list) -> dict:
    """``vaultkit.runCodeBlocks [uri...]``: run the given notes (default: the open ones)."""
    paths = []
    for arg in args:
        uri = arg.get("uri") if isinstance(arg, dict) else arg
        path = convert.uri_to_path(uri) if isinstance(uri, str) else None
        if path is not None:
            paths.append(path)
    if not args:
        paths = ls.state.open_paths()
    return await run(ls, paths)


async def run(ls: "VaultkitServer", paths: list[Path]) -> dict:
    await asyncio.gather(*(ls.diagnostics.flush(convert.path_to_uri(p)) for p in paths))
    token = await _begin(ls, len(paths))
    loop = asyncio.get_running_loop()

    def progress(done: int, total: int) -> None:
        if token is not None and total:
            loop.call_soon_threadsafe(
                ls.work_done_progress.report,
                token,
                types.WorkDoneProgressReport(message=f"{done}/{total} notes", percentage=int(100 * done / total)),
            )

    def job() -> dict:
        from ..execute import run_notes

        ran = 0
        for path in paths:
            found = ls.state.vault_for(path)
            if found is None:
                continue
            state, rel = found
            if rel not in state.vault.notes:
                continue
            # The server keeps its own worker: it pays torch's import once per editor
            # session anyway, and a daemon started from an editor's environment would
            # outlive the editor for nothing.
            runs = run_notes(state.vault, [rel], state.config, progress=progress, shared=False)
            ls.state.exec_results.setdefault(state.root, {}).update(runs)
            ran += len(runs)
        return {"notes": ran}

    try:
        # Code runs on its own thread: the engine thread keeps answering edits.
        summary = await loop.run_in_executor(None, job)
    except Exception as exc:
        log.exception("running code blocks failed")
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=f"vaultkit: running code blocks failed: {exc}")
        )
        summary = {"notes": 0, "error": str(exc)}
    finally:
        if token is not None:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
    await ls.diagnostics.recheck_paths(paths)
    return summary


async def _begin(ls: "VaultkitServer", count: int):
    caps = ls.client_capabilities
    if not (caps and caps.window and caps.window.work_done_progress):
        return None
    token = f"vaultkit-run-{uuid.uuid4().hex[:8]}"
    try:
        await asyncio.wait_for(ls.work_done_progress.create_async(token), timeout=5)
    except Exception:
        return None
    ls.work_done_progress.begin(
        token, types.WorkDoneProgressBegin(title="Running code blocks", message=f"{count} notes", percentage=0)
    )
    return token
