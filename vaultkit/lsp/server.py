"""Handler registration for ``vaultkit lsp``: each handler hands its params to
a feature module and returns what it answers.  Nothing is decided here.
"""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .. import __version__
from . import actions, codeblocks, completion, convert, hover, navigation, watch
from .diagnostics import DiagnosticsManager
from .state import State, settings_from

log = logging.getLogger(__name__)

RUN_CODE_BLOCKS = "vaultkit.runCodeBlocks"


class VaultkitServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("vaultkit", __version__)
        self.state = State()
        self.diagnostics = DiagnosticsManager(self)
        self.watcher = watch.Watcher(self)
        self.ready = asyncio.Event()  # set once the workspace folders' vaults are loaded

    @property
    def encoding(self) -> str:
        encoding = self.workspace.position_encoding
        return getattr(encoding, "value", encoding) or convert.UTF16


def build() -> VaultkitServer:
    server = VaultkitServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: VaultkitServer, params: types.InitializeParams):
        ls.state.folders = watch.folders_from(params)
        ls.state.initial_settings = dict(settings_from(params.initialization_options))
        ls.state.settings = dict(ls.state.initial_settings)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: VaultkitServer, params: types.InitializedParams):
        try:
            await watch.pull_settings(ls)
            await watch.start(ls)
        finally:
            ls.ready.set()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: VaultkitServer, params: types.DidChangeConfigurationParams):
        await watch.settings_changed(ls, params.settings)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def did_change_folders(ls: VaultkitServer, params: types.DidChangeWorkspaceFoldersParams):
        await watch.folders_changed(ls, params)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: VaultkitServer, params: types.DidChangeWatchedFilesParams):
        watch.files_changed(ls, [(c.uri, c.type) for c in params.changes])

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: VaultkitServer, params: types.DidOpenTextDocumentParams):
        ls.diagnostics.text_changed(params.text_document.uri, params.text_document.text, delay=0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: VaultkitServer, params: types.DidChangeTextDocumentParams):
        doc = ls.workspace.get_text_document(params.text_document.uri)
        ls.diagnostics.text_changed(doc.uri, doc.source)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: VaultkitServer, params: types.DidSaveTextDocumentParams):
        codeblocks.on_save(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: VaultkitServer, params: types.DidCloseTextDocumentParams):
        uri = params.text_document.uri
        ls.diagnostics.forget(uri)
        path = convert.uri_to_path(uri)
        if path is not None:
            ls.diagnostics.run_changes(lambda: [ls.state.close(path)])

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(inter_file_dependencies=True, workspace_diagnostics=False, identifier="vaultkit"),
    )
    async def document_diagnostic(ls: VaultkitServer, params: types.DocumentDiagnosticParams):
        return await ls.diagnostics.pull_report(params)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=["[", "#", "^", ".", "|"], resolve_provider=False),
    )
    async def complete(ls: VaultkitServer, params: types.CompletionParams):
        return await completion.complete(ls, params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: VaultkitServer, params: types.HoverParams):
        return await hover.hover(ls, params)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: VaultkitServer, params: types.DefinitionParams):
        return await navigation.definition(ls, params)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def references(ls: VaultkitServer, params: types.ReferenceParams):
        return await navigation.references(ls, params)

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(ls: VaultkitServer, params: types.PrepareRenameParams):
        return await navigation.prepare_rename(ls, params)

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    async def rename(ls: VaultkitServer, params: types.RenameParams):
        return await navigation.rename(ls, params)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbols(ls: VaultkitServer, params: types.DocumentSymbolParams):
        return await navigation.document_symbols(ls, params)

    @server.feature(types.WORKSPACE_SYMBOL)
    async def workspace_symbols(ls: VaultkitServer, params: types.WorkspaceSymbolParams):
        await watch.wait_ready(ls)
        return navigation.workspace_symbols(ls, params)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK)
    async def document_links(ls: VaultkitServer, params: types.DocumentLinkParams):
        return await navigation.document_links(ls, params)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    async def code_actions(ls: VaultkitServer, params: types.CodeActionParams):
        return await actions.code_actions(ls, params)

    @server.command(RUN_CODE_BLOCKS)
    async def run_code_blocks(ls: VaultkitServer, *args):
        return await codeblocks.run_command(ls, list(args))

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: VaultkitServer, params=None):
        ls.watcher.stop()

    return server


def main(tcp: tuple[str, int] | None = None) -> None:
    server = build()
    if tcp is not None:
        server.start_tcp(*tcp)
    else:
        server.start_io()
    _ = asyncio  # handlers are coroutines on pygls's loop
