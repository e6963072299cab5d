"""The server keeps running through bad input: odd URIs, notes outside any
vault, notes deleted under an open editor, malformed requests, and a client
that goes away without saying goodbye."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from lsprotocol import types

from lsp_helpers import diagnostics, open_doc, uri

P = types.Position


async def test_non_file_uris_get_empty_answers_and_the_server_keeps_working(client):
    odd = "untitled:Untitled-1"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=odd, language_id="markdown", version=1, text="[[x]]"))
    )
    assert await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(odd), P(0, 2))
    ) is None
    assert await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(odd), P(0, 2))) is None
    doc = await open_doc(client, client.vault / "Index.md")
    assert await diagnostics(client, doc, until=lambda got: len(got) > 0)


async def test_a_note_outside_any_vault_is_checked_on_its_own(client, tmp_path):
    loose = tmp_path / "elsewhere" / "Loose.md"
    loose.parent.mkdir()
    loose.write_text("# Loose\n\nSee [[Nothing here]] and [[#Loose]].\n", encoding="utf-8")
    doc = await open_doc(client, loose)
    items = await diagnostics(client, doc, until=lambda got: len(got) > 0)
    assert [d.range.start.line for d in items] == [2]
    assert "Nothing here" in items[0].message


async def test_editing_a_note_deleted_on_disk_keeps_its_diagnostics_alive(client):
    path = client.vault / "Index.md"
    doc = await open_doc(client, path)
    await diagnostics(client, doc, until=lambda got: len(got) > 0)
    path.unlink()
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=doc, type=types.FileChangeType.Deleted)])
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="# Index\n\n[[Gone away]]\n")],
        )
    )
    await diagnostics(client, doc, until=lambda got: [d.range.start.line for d in got] == [2])


async def test_unknown_command_is_an_error_not_a_crash(client):
    doc = await open_doc(client, client.vault / "Index.md")
    failed = False
    try:
        await client.workspace_execute_command_async(types.ExecuteCommandParams(command="vaultkit.noSuchThing"))
    except Exception:
        failed = True
    assert failed
    assert await diagnostics(client, doc, until=lambda got: len(got) > 0)


def _message(payload: dict) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read(stream) -> dict:
    length = 0
    while (line := stream.readline().strip()):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return json.loads(stream.read(length))


def _response(stream, wanted_id) -> dict:
    while True:
        message = _read(stream)
        if message.get("id") == wanted_id and "method" not in message:
            return message


def test_malformed_requests_get_errors_and_the_server_answers_the_next_one(vault):
    server = subprocess.Popen(
        [sys.executable, "-m", "vaultkit.lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        send = lambda payload: (server.stdin.write(_message(payload)), server.stdin.flush())  # noqa: E731
        send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"processId": None, "rootUri": uri(vault), "capabilities": {}}})
        assert "result" in _response(server.stdout, 1)
        send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        # pygls 2.1 cannot tie params it fails to decode to their request id: it
        # reports the error with window/showMessage rather than a response.
        send({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {"textDocument": 5}})
        send({"jsonrpc": "2.0", "id": 3, "method": "textDocument/definition",
              "params": {"textDocument": {"uri": "file:///nowhere/at/all.md"}, "position": {"line": 9, "character": 9}}})
        assert _response(server.stdout, 3).get("result", "missing") is None
        send({"jsonrpc": "2.0", "id": 4, "method": "vaultkit/noSuchMethod", "params": {}})
        assert _response(server.stdout, 4)["error"]["code"] == -32601
        send({"jsonrpc": "2.0", "id": 5, "method": "shutdown"})
        assert "result" in _response(server.stdout, 5)
        send({"jsonrpc": "2.0", "method": "exit"})
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()


def test_server_exits_when_the_client_goes_away_without_shutdown(vault):
    server = subprocess.Popen(
        [sys.executable, "-m", "vaultkit.lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"processId": None, "rootUri": uri(vault), "capabilities": {}},
    }
    server.stdin.write(_message(init))
    server.stdin.write(b"Content-Length: 12\r\n\r\n{not json!!}")  # garbage on the wire first
    server.stdin.flush()
    server.stdout.readline()  # the server answered something
    server.stdin.close()  # the editor died
    try:
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode is not None


async def test_tcp_option_is_validated():
    result = subprocess.run(
        [sys.executable, "-m", "vaultkit", "lsp", "--tcp", "nonsense"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "HOST:PORT" in result.stderr
    assert "Traceback" not in result.stderr
    await asyncio.sleep(0)
