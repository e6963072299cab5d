"""The ``--format html`` page: self-contained, safe with hostile titles, and it
renders in a real browser (headless Chromium, Debian's ``chromium`` package)."""

from __future__ import annotations

import html.parser
import re
import shutil
import subprocess

import pytest

FILES = {
    "Alpha.md": "# Alpha </script><script>document.title='pwned'</script>\n"
    "[[Beta]] [[Missing]] ![[Beta]]\n#ml\n",
    "Beta.md": "# Beta\n[[Gamma]] [[Alpha]]\n",
    "Gamma.md": "[[Alpha]] [[Also missing]]\n",
    "Lonely.md": "no links\n",
}
NODES = 6  # 4 notes, 2 unresolved targets


@pytest.fixture
def page(cli, make_vault, tmp_path):
    vault = make_vault(FILES)
    out = tmp_path / "graph.html"
    result = cli(["graph", vault, "--format", "html", "-o", out])
    assert result.code == 0, result.err
    return out


class _Scan(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.external: list[str] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href"):
            if attrs.get(name):
                self.external.append(f"<{tag} {name}={attrs[name]}>")
        if tag == "script":
            self._in_script = {"type": attrs.get("type"), "text": ""}
            self.scripts.append(self._in_script)

    def handle_data(self, data):
        if self._in_script is not None:
            self._in_script["text"] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def test_page_is_self_contained_and_titles_cannot_break_out(page):
    text = page.read_text(encoding="utf-8")
    scan = _Scan()
    scan.feed(text)
    assert scan.external == []  # no script, stylesheet or font fetched from anywhere
    assert not re.search(r"\burl\(|@import|https?://(?!www\.w3\.org/2000/svg)", text)
    # Exactly the data block and the viewer: the hostile title made no <script> of its own.
    assert [s["type"] for s in scan.scripts] == ["application/json", None]
    assert "document.title='pwned'" in scan.scripts[0]["text"]  # still there, as data


def _chromium(url: str, profile, *extra: str) -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    command = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--window-size=1000,700",
        *extra, url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _body(dom: str) -> dict[str, str]:
    match = re.search(r"<body([^>]*)>", dom)
    assert match, dom[:500]
    return dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))


@pytest.mark.slow
def test_chromium_draws_every_node_and_marks_unresolved_in_the_legend(page, tmp_path):
    dom = _chromium(page.as_uri(), tmp_path / "profile", "--dump-dom")
    body = _body(dom)
    assert body["data-layout"] == "done"
    assert body["data-rendered-nodes"] == str(NODES)
    assert '<div data-kind="unresolved">' in dom
    assert "Unresolved target (no such note) (2)" in dom
    assert "<title>pwned</title>" not in dom


@pytest.mark.slow
def test_opening_the_page_at_a_note_name_selects_and_describes_it(page, tmp_path):
    dom = _chromium(page.as_uri() + "#beta", tmp_path / "profile", "--dump-dom")
    assert _body(dom)["data-selected"] == "Beta"
    info = re.search(r'<aside id="info"[^>]*>(.*?)</aside>', dom, re.S)
    assert info and "<h2>Beta</h2>" in info.group(1)
    assert "1 incoming, 2 outgoing" in info.group(1)
    neighbours = re.findall(r"<li[^>]*>(.*?)</li>", info.group(1))
    assert sorted(n[:5] for n in neighbours) == ["Alpha", "Gamma"]  # Alpha links both ways: once


@pytest.mark.slow
def test_a_large_graph_is_laid_out_and_drawn_completely(tmp_path):
    """3,000 notes and 30,000 links: the layout must finish and draw every node."""
    import random

    import networkx as nx

    from vaultkit.export.html import render

    rng = random.Random(7)
    graph = nx.DiGraph()
    for i in range(3000):
        graph.add_node(f"Folder/Note {i}", kind="note", title=f"Note {i}", path=f"Folder/Note {i}.md",
                       size=100, tags=[], aliases=[])
    graph.add_node("unresolved:Ghost", kind="unresolved", title="Ghost", path="", size=0, tags=[], aliases=[])
    nodes = list(graph)
    notes = nodes[:3000]
    pairs = set()
    while len(pairs) < 30000:
        pairs.add((rng.choice(notes), rng.choice(nodes)))
    graph.add_edges_from(pairs, kind="link", kinds=["link"], count=1, lines=[1])
    page = tmp_path / "big.html"
    page.write_text(render(graph, "big"), encoding="utf-8")
    body = _body(_chromium(page.as_uri(), tmp_path / "profile", "--dump-dom"))
    assert body["data-layout"] == "done"
    assert body["data-rendered-nodes"] == "3001"
    assert body["data-rendered-edges"] == "30000"
