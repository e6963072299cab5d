"""Speed of ``vaultkit lsp`` on a synthetic vault, driving the real server over stdio.

    python bench/lsp/bench_lsp.py --notes 10000 [--edits 200] [--completions 100]

Measures (targets from the issue, 10k notes, 2 cores):
  * initialize -> first diagnostics of an open note       <= 3 s (warm parse cache allowed)
  * keystroke -> fresh diagnostics: processing after the debounce, p95 over the edits
    (pull: the request flushes the debounce at once; push: publish time minus the debounce)
                                                          <= 100 ms p95 (+ 200 ms debounce)
  * completion after ``[[``                              <= 100 ms p95
  * server peak RSS                                       <= 1 GB
The vault comes from ../shared/tools/genvault.py and is kept in bench/vaults/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

REPO = Path(__file__).resolve().parents[2]
GENVAULT = REPO.parent / "shared" / "tools" / "genvault.py"
DEBOUNCE = 0.2


def vault_for(notes: int) -> Path:
    out = REPO / "bench" / "vaults" / f"v{notes}"
    if not (out / ".truth.json").exists():
        subprocess.run([sys.executable, str(GENVAULT), "--notes", str(notes), "--out", str(out)], check=True)
    (out / ".obsidian").mkdir(exist_ok=True)
    return out


def warm_parse_cache(vault: Path) -> float:
    """Load the vault once in this (thread-free) process so the server starts warm."""
    from vaultkit.config import load_config
    from vaultkit.core.vault import load_vault

    start = time.perf_counter()
    load_vault(vault, config=load_config(vault))
    return time.perf_counter() - start


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pick_note(vault: Path) -> Path:
    """A typical note: the median size among those with links."""
    notes = sorted(vault.rglob("*.md"), key=lambda p: p.stat().st_size)
    return notes[len(notes) // 2]


async def session(vault: Path, mode: str, edits: int, completions: int) -> dict:
    client: LanguageClient = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "vaultkit.lsp")
    pid = client._server.pid  # noqa: SLF001 - the subprocess pytest-lsp started
    caps = client_capabilities("neovim@v0.10.0" if mode == "pull" else "visual-studio-code")
    if mode == "push":
        caps.text_document.diagnostic = None

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def _register(params):
        return None

    note = pick_note(vault)
    uri = note.as_uri()
    text = note.read_text(encoding="utf-8")
    result: dict = {"mode": mode, "note": str(note.relative_to(vault)), "note_bytes": len(text.encode())}

    t0 = time.perf_counter()
    await client.initialize_session(
        types.InitializeParams(
            capabilities=caps, workspace_folders=[types.WorkspaceFolder(uri=vault.as_uri(), name="v")]
        )
    )
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=text))
    )
    if mode == "pull":
        await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri))
        )
    else:
        while uri not in client.diagnostics:
            await asyncio.sleep(0.005)
    result["first_diagnostics_s"] = round(time.perf_counter() - t0, 3)

    # Keystrokes at the end of the note: alternately add and remove a broken link so
    # that every edit changes the diagnostics (a push server only publishes changes).
    lines = text.split("\n")
    last = len(lines) - 1
    base_col = len(lines[last])
    piece = " [[No such note zz]]"
    latencies = []
    version = 1
    for n in range(edits):
        version += 1
        adding = n % 2 == 0
        rng = (
            types.Range(types.Position(last, base_col), types.Position(last, base_col))
            if adding
            else types.Range(types.Position(last, base_col), types.Position(last, base_col + len(piece)))
        )
        before = len(client.diagnostics.get(uri, []))
        start = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(range=rng, text=piece if adding else "")],
            )
        )
        if mode == "pull":
            await client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri))
            )
            latencies.append(time.perf_counter() - start)
        else:
            want = before + (1 if adding else -1)
            while len(client.diagnostics.get(uri, [])) != want:
                await asyncio.sleep(0.002)
                if time.perf_counter() - start > 10:
                    raise RuntimeError("no diagnostics after an edit")
            latencies.append(time.perf_counter() - start - DEBOUNCE)
    result["edit_p50_ms"] = round(statistics.median(latencies) * 1000, 1)
    result["edit_p95_ms"] = round(p95(latencies) * 1000, 1)
    result["edit_max_ms"] = round(max(latencies) * 1000, 1)

    # Completion after "[[" with a growing query.
    version += 1
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(last, base_col), types.Position(last, base_col)), text=" [[Att"
                )
            ],
        )
    )
    times = []
    counts = []
    for n in range(completions):
        col = base_col + 3 + (n % 4)  # "[[", "[[A", "[[At", "[[Att"
        start = time.perf_counter()
        answer = await client.text_document_completion_async(
            types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(last, col))
        )
        times.append(time.perf_counter() - start)
        counts.append(len(answer.items) if answer else 0)
    result["completion_p50_ms"] = round(statistics.median(times) * 1000, 1)
    result["completion_p95_ms"] = round(p95(times) * 1000, 1)
    result["completion_items_max"] = max(counts)
    result["server_peak_rss_mb"] = round(peak_rss_mb(pid), 1)
    await client.shutdown_session()
    await client.stop()
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=int, default=10000)
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--completions", type=int, default=100)
    ap.add_argument("--mode", choices=["pull", "push", "both"], default="both")
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = ap.parse_args()
    vault = vault_for(args.notes)
    print(json.dumps({"warm_cache_load_s": round(warm_parse_cache(vault), 2)}))
    modes = ["pull", "push"] if args.mode == "both" else [args.mode]
    results = [asyncio.run(session(vault, mode, args.edits, args.completions)) for mode in modes]
    for r in results:
        print(json.dumps(r))
    if args.out:
        args.out.write_text(json.dumps({"notes": args.notes, "runs": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
