"""Helpers for the language-server tests: a small vault, opening documents,
reading diagnostics the way the client receives them."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

SERVER = [sys.executable, "-m", "vaultkit.lsp"]

NOTES = {
    "Index.md": """\
        # Index

        See [[Alpha]] and [[Alpha#Details]] and [[Missing note]].
        Also [[Alpha#Nowhere]] and [[Sub/Beta|beta]].

        Uses nn.Linear in prose. #study
        """,
    "Alpha.md": """\
        ---
        aliases: [First Letter]
        tags: [greek]
        ---
        # Alpha

        The first note.

        ## Details

        A paragraph with a block. ^blk1
        """,
    "Sub/Beta.md": """\
        # Beta

        Back to [[Alpha#^blk1]] and [[Index]].

        Q::A
        <!--SR:!2020-01-01,3,250-->
        """,
}


def write_vault(root: Path, notes: dict[str, str] = NOTES) -> Path:
    (root / ".obsidian").mkdir(parents=True, exist_ok=True)
    for rel, text in notes.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def uri(path: Path) -> str:
    return path.as_uri()


async def start_session(client: LanguageClient, roots: list[Path], capabilities, **initialize) -> None:
    """Initialize ``client`` on the workspace folders ``roots``, recording the
    registrations the server asks for in ``client.registrations``."""
    client.registrations = []  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            workspace_folders=[types.WorkspaceFolder(uri=uri(r), name=r.name) for r in roots],
            root_uri=uri(roots[0]),
            **initialize,
        )
    )


async def open_doc(client: LanguageClient, path: Path, text: str | None = None) -> str:
    doc_uri = uri(path)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=doc_uri,
                language_id="markdown",
                version=1,
                text=path.read_text(encoding="utf-8") if text is None else text,
            )
        )
    )
    return doc_uri


async def diagnostics(client: LanguageClient, doc_uri: str, *, timeout: float = 20.0, until=None):
    """The diagnostics the client shows for ``doc_uri``, however it gets them.

    ``until`` is a predicate on the list: wait until it holds (push clients
    receive several publications while typing).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if getattr(client, "mode", "push") == "pull":
            report = await client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=doc_uri))
            )
            items = list(report.items or [])
        else:
            items = list(client.diagnostics.get(doc_uri, [])) if doc_uri in client.diagnostics else None
        if items is not None and (until is None or until(items)):
            return items
        if loop.time() > deadline:
            raise AssertionError(f"no matching diagnostics for {doc_uri}: {items}")
        await asyncio.sleep(0.05)


def codes(items) -> list[str]:
    return sorted(str(d.code) for d in items)
