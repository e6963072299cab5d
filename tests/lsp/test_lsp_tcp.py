"""`vaultkit lsp --tcp HOST:PORT` speaks the protocol over a loopback socket."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _send(sock: socket.socket, message: dict) -> None:
    body = json.dumps(message).encode("utf-8")
    sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)


def _receive(sock: socket.socket, want_id: int, timeout: float = 30) -> dict:
    buffer = b""
    deadline = time.monotonic() + timeout
    sock.settimeout(1)
    while time.monotonic() < deadline:
        while b"\r\n\r\n" in buffer:
            head, rest = buffer.split(b"\r\n\r\n", 1)
            length = int(next(l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")).split(b":")[1])
            if len(rest) < length:
                break
            message, buffer = json.loads(rest[:length]), rest[length:]
            if message.get("id") == want_id:
                return message
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        buffer += chunk
    raise AssertionError("no response from the server over TCP")


def test_lsp_over_tcp(tmp_path):
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / "A.md").write_text("[[Missing]]\n", encoding="utf-8")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "vaultkit", "lsp", "--tcp", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "the server never listened"
                time.sleep(0.1)
        with sock:
            _send(sock, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                         "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}})
            reply = _receive(sock, 1)
            capabilities = reply["result"]["capabilities"]
            assert capabilities["definitionProvider"] and "completionProvider" in capabilities
            _send(sock, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
            assert "error" not in _receive(sock, 2)
            _send(sock, {"jsonrpc": "2.0", "method": "exit"})
    finally:
        server.terminate()
        server.wait(timeout=10)
