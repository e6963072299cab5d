// vaultkit graph viewer: a force-directed layout on <canvas>, no dependencies.
// Data (see vaultkit/export/html.py): {title, kinds, nodes: {id, title, kind, path, tags},
// edges: [source, target, count, kindIndex, ...] flat, edgeKinds}.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var N = data.nodes.id.length;
  var E = data.edges.length / 4;
  var body = document.body;
  var canvas = document.getElementById("graph");
  var ctx = canvas.getContext("2d");

  var STYLE = {
    note: { fill: "#7c3aed", stroke: null, dash: null, label: "Note" },
    unresolved: { fill: null, stroke: "#8a8a8a", dash: [3, 2], label: "Unresolved target (no such note)" },
    ambiguous: { fill: null, stroke: "#e08a00", dash: [3, 2], label: "Ambiguous target (several files match)" },
    attachment: { fill: "#4682b4", stroke: null, dash: null, label: "Attachment", square: true },
    tag: { fill: "#2e8b57", stroke: null, dash: null, label: "Tag", diamond: true }
  };
  var kindName = data.nodes.kind.map(function (k) { return data.kinds[k]; });
  function isMissing(i) { return kindName[i] === "unresolved" || kindName[i] === "ambiguous"; }

  // ---------------------------------------------------------------- adjacency
  var src = new Int32Array(E), dst = new Int32Array(E), ecount = new Int32Array(E), ekind = new Int8Array(E);
  var degree = new Int32Array(N), indeg = new Int32Array(N), outdeg = new Int32Array(N);
  for (var e = 0; e < E; e++) {
    src[e] = data.edges[4 * e]; dst[e] = data.edges[4 * e + 1];
    ecount[e] = data.edges[4 * e + 2]; ekind[e] = data.edges[4 * e + 3];
    if (src[e] !== dst[e]) { degree[src[e]]++; degree[dst[e]]++; }
    outdeg[src[e]]++; indeg[dst[e]]++;
  }
  // Undirected neighbour lists in CSR form (for highlight and initial ordering).
  var nbStart = new Int32Array(N + 1);
  for (var i = 0; i < N; i++) nbStart[i + 1] = nbStart[i] + degree[i];
  var nbFill = nbStart.slice(0, N), nb = new Int32Array(nbStart[N]);
  for (e = 0; e < E; e++) {
    if (src[e] === dst[e]) continue;
    nb[nbFill[src[e]]++] = dst[e]; nb[nbFill[dst[e]]++] = src[e];
  }
  var radius = new Float32Array(N);
  for (i = 0; i < N; i++) radius[i] = Math.min(3 + Math.sqrt(degree[i]) * 1.2, 18);

  // ---------------------------------------------------------------- layout
  // Initial placement: breadth-first from the best-linked notes, laid on a
  // sunflower spiral, so linked notes start near each other and the force
  // simulation needs few iterations.
  var x = new Float64Array(N), y = new Float64Array(N), vx = new Float64Array(N), vy = new Float64Array(N);
  var LINK = 40;
  (function place() {
    var order = [], seen = new Uint8Array(N);
    var byDegree = Array.from({ length: N }, function (_, k) { return k; });
    byDegree.sort(function (a, b) { return degree[b] - degree[a] || a - b; });
    for (var s = 0; s < N; s++) {
      var start = byDegree[s];
      if (seen[start]) continue;
      seen[start] = 1; order.push(start);
      for (var h = order.length - 1; h < order.length; h++) {
        var v = order[h];
        for (var j = nbStart[v]; j < nbStart[v + 1]; j++) {
          if (!seen[nb[j]]) { seen[nb[j]] = 1; order.push(nb[j]); }
        }
      }
    }
    var golden = Math.PI * (3 - Math.sqrt(5));
    for (var r = 0; r < order.length; r++) {
      var dist = LINK * 0.6 * Math.sqrt(r + 0.5);
      x[order[r]] = dist * Math.cos(r * golden);
      y[order[r]] = dist * Math.sin(r * golden);
    }
  })();

  // Iterations are capped so that a 10k-note vault settles in a few seconds;
  // work is sliced into ~12 ms chunks so the tab never freezes.
  var maxIterations = N <= 500 ? 300 : N <= 3000 ? 200 : 120;
  var iteration = 0, layoutStarted = performance.now();
  var CELL = LINK * 2;

  function step(alpha) {
    var i, j, dx, dy, d2, f;
    for (i = 0; i < N; i++) { vx[i] *= 0.55; vy[i] *= 0.55; }
    // Repulsion between nodes in the same or adjacent grid cells.
    var grid = new Map();
    for (i = 0; i < N; i++) {
      var key = Math.floor(x[i] / CELL) * 131071 + Math.floor(y[i] / CELL);
      var cell = grid.get(key);
      if (cell) cell.push(i); else grid.set(key, [i]);
    }
    var strength = LINK * LINK * 0.8 * alpha;
    for (i = 0; i < N; i++) {
      var cx = Math.floor(x[i] / CELL), cy = Math.floor(y[i] / CELL);
      for (var ox = -1; ox <= 1; ox++) {
        for (var oy = -1; oy <= 1; oy++) {
          var others = grid.get((cx + ox) * 131071 + cy + oy);
          if (!others) continue;
          for (var m = 0; m < others.length; m++) {
            j = others[m];
            if (j <= i) continue;
            dx = x[i] - x[j]; dy = y[i] - y[j];
            d2 = dx * dx + dy * dy;
            if (d2 > CELL * CELL) continue;
            if (d2 < 0.01) { dx = (i % 7) - 3 + 0.5; dy = (j % 5) - 2 + 0.5; d2 = dx * dx + dy * dy; }
            f = strength / d2;
            vx[i] += dx * f; vy[i] += dy * f; vx[j] -= dx * f; vy[j] -= dy * f;
          }
        }
      }
    }
    // Springs along links.
    for (var e = 0; e < E; e++) {
      i = src[e]; j = dst[e];
      if (i === j) continue;
      dx = x[j] - x[i]; dy = y[j] - y[i];
      var d = Math.sqrt(dx * dx + dy * dy) || 1;
      f = (d - LINK) / d * 0.06 * alpha / Math.sqrt(Math.min(degree[i], degree[j]) || 1);
      vx[i] += dx * f; vy[i] += dy * f; vx[j] -= dx * f; vy[j] -= dy * f;
    }
    // Gentle gravity keeps components from drifting apart.
    var limit = LINK * 2 * alpha + 1;
    for (i = 0; i < N; i++) {
      vx[i] -= x[i] * 0.002 * alpha; vy[i] -= y[i] * 0.002 * alpha;
      var speed = Math.sqrt(vx[i] * vx[i] + vy[i] * vy[i]);
      if (speed > limit) { vx[i] *= limit / speed; vy[i] *= limit / speed; }
      x[i] += vx[i]; y[i] += vy[i];
    }
  }

  function runLayout() {
    var started = performance.now();
    while (iteration < maxIterations && performance.now() - started < 12) {
      step(1 - iteration / maxIterations);
      iteration++;
    }
    if (follow && selected >= 0) centreOn(selected);
    else if (!userMoved) fit();
    // Drawing 100k edges costs more than a layout chunk: on big graphs redraw
    // only every few chunks, so the layout gets most of the time.
    var now = performance.now();
    if (iteration >= maxIterations || now - lastDrawAt >= Math.max(60, drawCost * 4)) draw();
    if (iteration < maxIterations) {
      setTimeout(runLayout, 0);
    } else {
      body.setAttribute("data-layout", "done");
      body.setAttribute("data-layout-ms", String(Math.round(performance.now() - layoutStarted)));
    }
  }

  // ---------------------------------------------------------------- view
  var scale = 1, offsetX = 0, offsetY = 0, width = 0, height = 0, ratio = 1;
  // userMoved: the user panned or zoomed, so the layout stops refitting the view;
  // follow: a searched note stays centred while the layout still moves it.
  var userMoved = false, follow = false, hover = -1, selected = -1;

  function resize() {
    ratio = window.devicePixelRatio || 1;
    width = canvas.clientWidth || window.innerWidth || 800;
    height = canvas.clientHeight || window.innerHeight || 600;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    if (follow && selected >= 0) centreOn(selected);
    else if (!userMoved) fit();
    draw();
  }

  function fit() {
    if (N === 0) { scale = 1; offsetX = width / 2; offsetY = height / 2; return; }
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (var i = 0; i < N; i++) {
      if (x[i] < minX) minX = x[i]; if (x[i] > maxX) maxX = x[i];
      if (y[i] < minY) minY = y[i]; if (y[i] > maxY) maxY = y[i];
    }
    var w = Math.max(maxX - minX, 1) + 80, h = Math.max(maxY - minY, 1) + 80;
    scale = Math.min(width / w, (height - 50) / h, 3);
    offsetX = width / 2 - scale * (minX + maxX) / 2;
    offsetY = 25 + (height - 50) / 2 - scale * (minY + maxY) / 2;
  }

  function focusSet() {
    var centre = selected >= 0 ? selected : hover;
    if (centre < 0) return null;
    var set = new Set([centre]);
    for (var j = nbStart[centre]; j < nbStart[centre + 1]; j++) set.add(nb[j]);
    return { centre: centre, set: set };
  }

  function nodePath(i, sx, sy, r) {
    var k = STYLE[kindName[i]] || STYLE.note;
    if (k.square) { ctx.rect(sx - r, sy - r, 2 * r, 2 * r); }
    else if (k.diamond) { ctx.moveTo(sx, sy - r); ctx.lineTo(sx + r, sy); ctx.lineTo(sx, sy + r); ctx.lineTo(sx - r, sy); ctx.closePath(); }
    else { ctx.moveTo(sx + r, sy); ctx.arc(sx, sy, r, 0, 2 * Math.PI); }
  }

  var lastDrawAt = -Infinity, drawCost = 0;

  function draw() {
    var drawStarted = performance.now();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    var focus = focusSet();
    var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    var i, e, sx, sy;
    // Edges: one batched path (embeds and other kinds look alike at this size).
    ctx.lineWidth = Math.max(0.3, Math.min(1, scale));
    ctx.strokeStyle = dark ? "rgba(200,200,200," + (focus ? 0.06 : 0.25) + ")" : "rgba(80,80,80," + (focus ? 0.05 : 0.22) + ")";
    // Links to unresolved or ambiguous targets are dashed, like their nodes.
    [false, true].forEach(function (broken) {
      ctx.setLineDash(broken ? [4, 3] : []);
      ctx.beginPath();
      for (e = 0; e < E; e++) {
        if (src[e] === dst[e] || isMissing(dst[e]) !== broken) continue;
        ctx.moveTo(x[src[e]] * scale + offsetX, y[src[e]] * scale + offsetY);
        ctx.lineTo(x[dst[e]] * scale + offsetX, y[dst[e]] * scale + offsetY);
      }
      ctx.stroke();
    });
    ctx.setLineDash([]);
    if (focus) {
      ctx.strokeStyle = "#7c3aed"; ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (e = 0; e < E; e++) {
        if (src[e] !== focus.centre && dst[e] !== focus.centre) continue;
        ctx.moveTo(x[src[e]] * scale + offsetX, y[src[e]] * scale + offsetY);
        ctx.lineTo(x[dst[e]] * scale + offsetX, y[dst[e]] * scale + offsetY);
      }
      ctx.stroke();
    }
    // Nodes, batched per kind and per dimmed/highlighted state.
    var drawn = 0;
    Object.keys(STYLE).forEach(function (kind) {
      var style = STYLE[kind];
      [false, true].forEach(function (lit) {
        if (lit && !focus) return;
        ctx.beginPath();
        var any = false;
        for (i = 0; i < N; i++) {
          if (kindName[i] !== kind) continue;
          var inFocus = focus ? focus.set.has(i) : false;
          if (inFocus !== lit) continue;
          sx = x[i] * scale + offsetX; sy = y[i] * scale + offsetY;
          var r = Math.max(1.5, radius[i] * Math.min(scale, 2)) + (i === focus?.centre ? 3 : 0);
          if (sx < -r || sy < -r || sx > width + r || sy > height + r) continue;
          drawn++;
          nodePath(i, sx, sy, r);
          any = true;
        }
        if (!any) return;
        ctx.globalAlpha = focus && !lit ? 0.2 : 1;
        if (style.fill) { ctx.fillStyle = style.fill; ctx.fill(); }
        else { ctx.fillStyle = dark ? "#1e1e1e" : "#ffffff"; ctx.fill(); }
        if (style.stroke) {
          ctx.setLineDash(style.dash || []);
          ctx.strokeStyle = style.stroke; ctx.lineWidth = 1.5; ctx.stroke(); ctx.setLineDash([]);
        }
        ctx.globalAlpha = 1;
      });
    });
    drawLabels(focus, dark);
    body.setAttribute("data-rendered-nodes", String(drawn));
    body.setAttribute("data-rendered-edges", String(E));
    lastDrawAt = performance.now();
    drawCost = lastDrawAt - drawStarted;
  }

  function drawLabels(focus, dark) {
    var candidates = [];
    if (focus) {
      focus.set.forEach(function (i) { candidates.push(i); });
    } else {
      // Only the best-linked nodes get labels until the user zooms in.
      for (var i = 0; i < N; i++) {
        if (radius[i] * scale >= 6 || N <= 60) candidates.push(i);
      }
      candidates.sort(function (a, b) { return degree[b] - degree[a]; });
      candidates = candidates.slice(0, 250);
    }
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.lineWidth = 3;
    ctx.strokeStyle = dark ? "rgba(30,30,30,0.85)" : "rgba(251,251,250,0.85)";
    ctx.fillStyle = dark ? "#ddd" : "#222";
    candidates.forEach(function (i) {
      var sx = x[i] * scale + offsetX, sy = y[i] * scale + offsetY;
      if (sx < -100 || sy < -20 || sx > width + 100 || sy > height + 20) return;
      var text = data.nodes.title[i];
      if (text.length > 40) text = text.slice(0, 39) + "…";
      var r = Math.max(1.5, radius[i] * Math.min(scale, 2));
      ctx.strokeText(text, sx, sy + r + 2);
      ctx.fillText(text, sx, sy + r + 2);
    });
  }

  // ---------------------------------------------------------------- interaction
  function nodeAt(px, py) {
    var best = -1, bestD = Infinity;
    for (var i = 0; i < N; i++) {
      var dx = x[i] * scale + offsetX - px, dy = y[i] * scale + offsetY - py;
      var d = dx * dx + dy * dy, r = Math.max(4, radius[i] * Math.min(scale, 2)) + 2;
      if (d <= r * r && d < bestD) { best = i; bestD = d; }
    }
    return best;
  }

  var drag = null, pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(); });
  }

  canvas.addEventListener("mousedown", function (ev) {
    drag = { x: ev.clientX, y: ev.clientY, ox: offsetX, oy: offsetY, moved: false };
    canvas.classList.add("dragging");
  });
  window.addEventListener("mouseup", function (ev) {
    if (!drag) return;
    canvas.classList.remove("dragging");
    if (!drag.moved) select(nodeAt(ev.clientX, ev.clientY), false);
    drag = null;
  });
  canvas.addEventListener("mousemove", function (ev) {
    if (drag) {
      var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) { offsetX = drag.ox + dx; offsetY = drag.oy + dy; userMoved = true; follow = false; redraw(); }
      return;
    }
    var found = nodeAt(ev.clientX, ev.clientY);
    if (found !== hover) {
      hover = found;
      canvas.title = found >= 0 ? data.nodes.title[found] : "";
      redraw();
    }
  });
  canvas.addEventListener("mouseleave", function () { if (hover >= 0) { hover = -1; redraw(); } });
  canvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var factor = Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015));
    var next = Math.min(Math.max(scale * factor, 0.01), 40);
    offsetX = ev.clientX - (ev.clientX - offsetX) * (next / scale);
    offsetY = ev.clientY - (ev.clientY - offsetY) * (next / scale);
    scale = next; userMoved = true; follow = false;
    redraw();
  }, { passive: false });
  window.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { select(-1, false); }
  });
  window.addEventListener("resize", resize);

  function select(i, centre) {
    selected = i;
    follow = i >= 0 && centre;
    if (follow) {
      scale = Math.max(scale, 1.5);
      centreOn(i);
      userMoved = true;
    }
    showInfo(i);
    body.setAttribute("data-selected", i >= 0 ? data.nodes.id[i] : "");
    draw();
  }

  function centreOn(i) {
    offsetX = width / 2 - x[i] * scale;
    offsetY = height / 2 - y[i] * scale;
  }

  function el(tag, text) { var node = document.createElement(tag); if (text != null) node.textContent = text; return node; }

  function showInfo(i) {
    var info = document.getElementById("info");
    info.textContent = "";
    if (i < 0) { info.hidden = true; return; }
    info.hidden = false;
    info.appendChild(el("h2", data.nodes.title[i]));
    var kind = kindName[i];
    info.appendChild(el("p", (STYLE[kind] || STYLE.note).label + (data.nodes.path[i] ? " · " + data.nodes.path[i] : "")));
    if (data.nodes.tags[i].length) info.appendChild(el("p", data.nodes.tags[i].map(function (t) { return "#" + t; }).join(" ")));
    info.appendChild(el("p", indeg[i] + " incoming, " + outdeg[i] + " outgoing"));
    var list = el("ul"), shown = 0, listed = new Set();
    for (var j = nbStart[i]; j < nbStart[i + 1] && shown < 100; j++) {
      if (listed.has(nb[j])) continue;  // linked both ways: list once
      listed.add(nb[j]); shown++;
      var li = el("li", data.nodes.title[nb[j]]);
      li.dataset.index = nb[j];
      li.addEventListener("click", function (ev) { select(Number(ev.target.dataset.index), true); });
      list.appendChild(li);
    }
    if (shown) info.appendChild(list);
  }

  // Search: exact title or id first, then prefix, then substring (case-insensitive).
  var folded = data.nodes.title.map(function (t) { return t.toLowerCase(); });
  var foldedId = data.nodes.id.map(function (t) { return t.toLowerCase(); });
  function find(query) {
    var q = query.trim().toLowerCase();
    if (!q) return -1;
    var tests = [
      function (i) { return folded[i] === q || foldedId[i] === q; },
      function (i) { return folded[i].startsWith(q); },
      function (i) { return folded[i].indexOf(q) >= 0 || foldedId[i].indexOf(q) >= 0; }
    ];
    for (var t = 0; t < tests.length; t++) {
      for (var i = 0; i < N; i++) if (kindName[i] === "note" && tests[t](i)) return i;
      for (i = 0; i < N; i++) if (tests[t](i)) return i;
    }
    return -1;
  }
  document.getElementById("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var query = document.getElementById("search").value;
    var found = find(query);
    document.getElementById("search-status").textContent = found < 0 && query.trim() ? "No note matches “" + query.trim() + "”" : "";
    if (found >= 0) select(found, true);
  });
  var names = document.getElementById("note-names"), fragment = document.createDocumentFragment();
  for (i = 0; i < N && i < 20000; i++) {
    if (kindName[i] !== "note") continue;
    var option = document.createElement("option");
    option.value = data.nodes.title[i];
    fragment.appendChild(option);
  }
  names.appendChild(fragment);

  // ---------------------------------------------------------------- legend
  (function legend() {
    var counts = {};
    kindName.forEach(function (k) { counts[k] = (counts[k] || 0) + 1; });
    var box = document.getElementById("legend");
    Object.keys(STYLE).forEach(function (kind) {
      if (!counts[kind] && kind !== "note" && kind !== "unresolved") return;
      var style = STYLE[kind], row = el("div");
      row.dataset.kind = kind;
      var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
      svg.setAttribute("width", "14"); svg.setAttribute("height", "14");
      var shape = document.createElementNS(ns, style.square ? "rect" : style.diamond ? "polygon" : "circle");
      if (style.square) { shape.setAttribute("x", "2"); shape.setAttribute("y", "2"); shape.setAttribute("width", "10"); shape.setAttribute("height", "10"); }
      else if (style.diamond) shape.setAttribute("points", "7,1 13,7 7,13 1,7");
      else { shape.setAttribute("cx", "7"); shape.setAttribute("cy", "7"); shape.setAttribute("r", "5"); }
      shape.setAttribute("fill", style.fill || "none");
      if (style.stroke) { shape.setAttribute("stroke", style.stroke); shape.setAttribute("stroke-width", "1.5"); shape.setAttribute("stroke-dasharray", "3 2"); }
      svg.appendChild(shape);
      row.appendChild(svg);
      row.appendChild(el("span", style.label + " (" + (counts[kind] || 0) + ")"));
      box.appendChild(row);
    });
    document.getElementById("counts").textContent = (counts.note || 0) + " notes · " + E + " edges";
  })();

  // graph.html#Note%20name opens the page focused on that note.
  function focusFromHash() {
    var wanted = "";
    try { wanted = decodeURIComponent(location.hash.slice(1)); } catch (err) { wanted = location.hash.slice(1); }
    if (!wanted) return;
    document.getElementById("search").value = wanted;
    var found = find(wanted);
    document.getElementById("search-status").textContent = found < 0 ? "No note matches “" + wanted + "”" : "";
    if (found >= 0) select(found, true);
  }
  window.addEventListener("hashchange", focusFromHash);

  resize();
  fit();
  draw();
  focusFromHash();
  body.setAttribute("data-layout", "running");
  setTimeout(runLayout, 0);
})();
