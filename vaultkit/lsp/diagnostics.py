"""Diagnostics as you type: debounced per document, computed off the event
loop, pushed (``publishDiagnostics``) or pulled (``textDocument/diagnostic``)
according to what the client supports, and sent only when they changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from lsprotocol import types

from ..diagnostics import Diagnostic
from . import convert
from .state import Change, State, VaultState

if TYPE_CHECKING:
    from .server import VaultkitServer

log = logging.getLogger(__name__)

DEBOUNCE = 0.2  # seconds; the "about 200 ms"


@dataclass
class Report:
    uri: str
    diagnostics: list[Diagnostic]  # the engine's, kept for code actions
    items: list[types.Diagnostic]
    result_id: str


def _result_id(items: list[types.Diagnostic]) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for item in items:
        r = item.range
        digest.update(
            f"{r.start.line}:{r.start.character}:{r.end.line}:{r.end.character}:{item.code}:{item.severity}:{item.message}\n".encode()
        )
    return digest.hexdigest()


class DiagnosticsManager:
    def __init__(self, server: "VaultkitServer") -> None:
        self.server = server
        self.reports: dict[str, Report] = {}
        self.published: dict[str, str] = {}  # uri -> result id last pushed
        self._texts: dict[str, str] = {}  # uri -> latest text not yet given to the engine
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._running: dict[str, asyncio.Future] = {}

    @property
    def state(self) -> State:
        return self.server.state

    # --- client capabilities ------------------------------------------------------------

    @property
    def pull(self) -> bool:
        caps = self.server.client_capabilities
        return bool(caps and caps.text_document and caps.text_document.diagnostic is not None)

    @property
    def refresh_supported(self) -> bool:
        caps = self.server.client_capabilities
        ws = caps.workspace if caps else None
        return bool(ws and ws.diagnostics and ws.diagnostics.refresh_support)

    # --- scheduling ----------------------------------------------------------------------

    def text_changed(self, uri: str, text: str, delay: float = DEBOUNCE) -> None:
        """Remember the newest text; check it once the typing pauses."""
        self._texts[uri] = text
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        loop = asyncio.get_running_loop()
        self._timers[uri] = loop.call_later(delay, lambda: asyncio.ensure_future(self.flush(uri)))

    async def flush(self, uri: str) -> None:
        """Hand the newest text of ``uri`` to the engine now and deliver the results."""
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        running = self._running.get(uri)
        if running is not None and not running.done():
            await asyncio.wait([running])
        text = self._texts.pop(uri, None)
        if text is None:
            return
        path = convert.uri_to_path(uri)
        if path is None:
            return
        self.state.client_uris[path] = uri
        future = self._job(self._update_and_check, path, text)
        self._running[uri] = future
        try:
            await asyncio.wait([future])  # a failed check is logged by _deliver_done; requests go on
        finally:
            if self._running.get(uri) is future:
                del self._running[uri]

    def _job(self, func, *args) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.state.executor, func, *args)
        future.add_done_callback(self._deliver_done)
        return future

    def _deliver_done(self, future: asyncio.Future) -> None:
        if future.cancelled():
            return
        exc = future.exception()
        if exc is not None:
            log.error("checking failed", exc_info=exc)
            return
        self.deliver(future.result())

    def run_changes(self, func, *args) -> asyncio.Future:
        """Run ``func(*args) -> list[Change]`` on the engine and re-check what they affect."""

        def job():
            changes = [c for c in func(*args) if c is not None]
            return self._check_affected(changes)

        return self._job(job)

    def recheck_paths(self, paths) -> asyncio.Future:
        """Re-check some open notes (new code-block results)."""

        def job():
            reports = []
            for path in paths:
                if path in self.state.overlay:
                    found = self.state.vault_for(path)
                    if found:
                        reports.append(self._report(*found))
            return reports

        return self._job(job)

    def recheck_open(self) -> asyncio.Future:
        """Re-check every open note (settings changed, a vault finished loading)."""

        def job():
            reports = []
            for path in self.state.open_paths():
                found = self.state.vault_for(path)
                if found:
                    reports.append(self._report(*found))
            return reports

        return self._job(job)

    # --- engine thread -----------------------------------------------------------------------

    def _update_and_check(self, path: Path, text: str) -> list[Report]:
        change = self.state.set_text(path, text)
        if change is None:
            # Not a note we can check (not Markdown, unusable root): show nothing.
            return [Report(convert.path_to_uri(path), [], [], _result_id([]))]
        return self._check_affected([change])

    def _check_affected(self, changes: list[Change]) -> list[Report]:
        reports = [self._report(state, rel) for state, rel in self.state.affected(changes)]
        for change in changes:
            # A note that disappeared keeps no diagnostics.
            if change.new is None:
                uri = self.state.uri_for(change.vault.abs(change.path))
                reports.append(Report(uri, [], [], _result_id([])))
        return reports

    def _report(self, state: VaultState, rel: str) -> Report:
        encoding = self.server.encoding
        diagnostics = self.state.check(state, rel)
        lines = self.state.lines_of(state, rel)
        cache: dict[str, list[str]] = {rel: lines}

        def lines_of(path: str) -> list[str]:
            if path not in cache:
                cache[path] = self.state.lines_of(state, path)
            return cache[path]

        def uri_of(path: str) -> str:
            return self.state.uri_for(state.abs(path))

        diagnostics = [d for d in diagnostics if d.path == rel]
        items = [convert.to_lsp_diagnostic(d, lines, encoding, uri_of=uri_of, lines_of=lines_of) for d in diagnostics]
        return Report(uri_of(rel), diagnostics, items, _result_id(items))

    # --- delivery (event loop) -----------------------------------------------------------------

    def deliver(self, reports: Iterable[Report]) -> None:
        changed_elsewhere = False
        for report in reports:
            previous = self.reports.get(report.uri)
            self.reports[report.uri] = report
            if self.pull:
                if previous is not None and previous.result_id != report.result_id:
                    changed_elsewhere = True
                continue
            if self.published.get(report.uri) == report.result_id:
                continue  # publish only what changed
            self.published[report.uri] = report.result_id
            self.server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=report.uri, diagnostics=report.items)
            )
        if changed_elsewhere and self.refresh_supported:
            self.server.workspace_diagnostic_refresh(None)

    def forget(self, uri: str) -> None:
        """The document was closed: clear what it showed (push clients keep it otherwise)."""
        self._texts.pop(uri, None)
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self.reports.pop(uri, None)
        if not self.pull and self.published.pop(uri, None) is not None:
            self.server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # --- pull -------------------------------------------------------------------------------------

    async def pull_report(self, params: types.DocumentDiagnosticParams):
        uri = params.text_document.uri
        await self.flush(uri)
        report = self.reports.get(uri)
        if report is None:
            path = convert.uri_to_path(uri)
            if path is None:
                return types.RelatedFullDocumentDiagnosticReport(items=[], result_id=_result_id([]))
            # Not open in the editor: report the note as it is on disk.
            def job() -> list[Report]:
                found = self.state.vault_for(path)
                if found is None or found[1] not in found[0].vault.notes:
                    return []
                return [self._report(*found)]

            future = self._job(job)
            await asyncio.wait([future])
            report = self.reports.get(uri)
            if report is None:
                return types.RelatedFullDocumentDiagnosticReport(items=[], result_id=_result_id([]))
        if params.previous_result_id == report.result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=report.result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=report.items, result_id=report.result_id)
