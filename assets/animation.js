/*
 * Autograd Explorer: plays the forward and backward steps of a traced program on its plotly graph.
 *
 * Everything a frame needs travels once, in the figure's layout.meta.explorer: the step format, described
 * once in explorer/drawing/steps.py (boxes, routes, steps, titles, names, sources, colors). A frame only
 * draws a few SVG elements (overlay) or restyles three small "highlight" traces (show), so the browser does
 * the playing and Python sends nothing per step. Used by the Dash app (assets/ is served by Dash) and
 * inlined in HTML exports.
 *
 * Nothing Python knows is typed again here: the names of the traces, the label threshold, the caption
 * words and the speeds come from the page, read once at load from its JSON element
 * <script type="application/json" id="explorer-config"> (explorer/drawing/html_player.py player_config;
 * the app adds its own settings, explorer/app/config.py). They are ExplorerPlayer.config.
 */
(function () {
  "use strict";

  var CONFIG = (function () {
    var el = document.getElementById("explorer-config");
    if (!el) { throw new Error("explorer: the page has no #explorer-config element"); }
    return JSON.parse(el.textContent);
  })();
  var TRACES = CONFIG.traces;

  /* The animation data of a figure or a graph div: its layout.meta.explorer, a JSON string (cheaper for
     plotly) parsed once, or an object (figures saved by older versions). The last one parsed is kept: the
     app's timeline and the highlight read the same figure. */
  var parsed = {raw: null, meta: null};
  function parse(raw) {
    if (!raw) { return null; }
    if (typeof raw !== "string") { return compact(raw); }
    if (parsed.raw !== raw) { parsed.meta = compact(JSON.parse(raw)); parsed.raw = raw; }
    return parsed.meta;
  }

  /* A figure of the app sends its values once, as numbers (explorer/drawing/compact.py): the steps' texts are
     written here, once, by assets/values.js (ExplorerValues), so everything below reads the step format. */
  function compact(m) {
    return m && m.table && window.ExplorerValues ? window.ExplorerValues.expand(m) : m;
  }

  /* The full node labels and hover texts of a figure: its traces' own, or, for a compact figure (whose traces
     carry none), written from its table, in the order of the traces (both follow table.nodes.ids). */
  function fullTexts(m, trace, hover) {
    if (!trace._explorerFull) {
      trace._explorerFull = m.table ? window.ExplorerValues.labels(m) : (trace.text || []);
    }
    if (!hover._explorerFull) {
      hover._explorerFull = m.table ? window.ExplorerValues.hovers(m) : (hover.hovertext || []);
    }
  }

  function meta(gd) {
    var layout = gd && gd.layout;
    return parse(layout && layout.meta && layout.meta.explorer);
  }

  function traceIndex(gd, name) {
    for (var i = 0; i < gd.data.length; i++) {
      if (gd.data[i].name === name) { return i; }
    }
    return -1;
  }

  function count(gd) {
    var m = meta(gd);
    return m ? m.steps.length : 0;
  }

  /* The one-line caption of step k of the animation data m: "backward 3/9: MulBackward0 gets 1.0, sends
     [2, 4] to y"; before the first step, the words' `start`. explorer/drawing/steps.py step_caption writes
     the same line (tests/data/first_graph_steps.json holds both sides to it). */
  function stepCaption(m, k, lang) {
    var w = CONFIG.words[lang] || CONFIG.words[CONFIG.default_lang];
    if (!m || k < 0 || k >= m.steps.length) { return w.start; }
    var s = m.steps[k];
    var title = m.titles[s.n] || s.n;
    var nf = m.n_forward;
    if (s.p === "f") {
      return w.forward + " " + (k + 1) + "/" + nf + ": " + title + (s.v ? " " + w.gives + " " + s.v : "");
    }
    var text = w.backward + " " + (k + 1 - nf) + "/" + (m.steps.length - nf) + ": " + title + " " + w.gets + " " + s.v;
    var sent = [];
    for (var i = 0; i < s.e.length; i++) {
      var src = m.sources[s.e[i]];
      var names = m.names || m.titles;
      if (s.g && s.g[i]) { sent.push(s.g[i] + " " + w.to + " " + (names[src] || src)); }
    }
    if (sent.length) { text += ", " + w.sends + " " + sent.join("; "); }
    return text;
  }

  /* The caption of step k of a graph div's (or a figure's) animation. */
  function caption(gd, k, lang) {
    return stepCaption(meta(gd), k, lang);
  }

  /* --- reveal as it flows (explorer/drawing/steps.py, its docstring: the rules, and label_at / carried, which
     these mirror; tests/data/first_graph_steps.json holds both sides to them) -------------------------- */

  /* A node's label at step k: its value lines (drawn in colors.value) only from value_at on, its gradient
     lines (colors.grad) only from grad_at on. */
  function labelAt(label, reveal, colors, k) {
    if (!reveal || typeof label !== "string") { return label; }
    var valueMark = "color:" + colors.value, gradMark = "color:" + colors.grad;
    return label.split("<br>").filter(function (line) {
      if (line.indexOf(gradMark) >= 0 && (reveal[1] === null || k < reveal[1])) { return false; }
      return !(line.indexOf(valueMark) >= 0 && k < reveal[0]);
    }).join("<br>");
  }

  /* edge id -> the gradient it carried last, at a backward step up to k. */
  function carried(m, k) {
    var out = {};
    for (var j = m.n_forward; j <= k && j < m.steps.length; j++) {
      var s = m.steps[j];
      for (var i = 0; i < s.e.length; i++) { if (s.g && s.g[i]) { out[s.e[i]] = s.g[i]; } }
    }
    return out;
  }

  /* edge id -> the gradient its label shows at step k with "show all": every edge that has carried a gradient
     by the end of the backward pass being shown (step k's pass; the last pass when no backward step is lit),
     each with the last it carried by then (explorer/drawing/figure.py edge_grads). */
  function passGrads(m, k) {
    var lit = k >= 0 && k < m.steps.length ? m.steps[k] : null, end = m.steps.length - 1;
    if (lit && lit.p === "b") {
      end = k;
      while (end + 1 < m.steps.length && m.steps[end + 1].k === lit.k) { end++; }
    }
    return carried(m, end);
  }

  /* A node's hover text at step k: its lines "value: ..." and "grad: ..." (the words of any language,
     CONFIG.hover_words, from explorer/drawing/figure.py HOVER_WORDS) left out until they are computed, with
     the lines a long value goes on in (begun with two no-break spaces: figure.py HOVER_MORE). */
  function hoverAt(text, reveal, k) {
    if (!reveal || typeof text !== "string") { return text; }
    function starts(line, kind) {
      return (CONFIG.hover_words || {})[kind].some(function (w) { return line.indexOf(w + ": ") === 0; });
    }
    var keep = true;
    return text.split("<br>").filter(function (line) {
      if (line.indexOf("\u00a0\u00a0") === 0) { return keep; }  /* goes on from the line before */
      keep = !(starts(line, "grad") && (reveal[1] === null || k < reveal[1])) &&
             !(starts(line, "value") && k < reveal[0]);
      return keep;
    }).join("<br>");
  }

  /* The node labels (and the nodes' hover texts: hoverAt)
     as they read at step k, or all of them (`all`: the "show all" picture). The figure's traces hold the
     full texts (kept as trace._explorerFull); the node ids are the hover markers' customdata. Restyles only
     when what is shown changes; labelsForView then keeps only the labels in view. */
  function revealLabels(gd, k, all) {
    var m = meta(gd), iLabels = traceIndex(gd, TRACES.labels), iIds = traceIndex(gd, TRACES.nodes);
    if (!m || !m.reveal || iLabels < 0 || iIds < 0) { return false; }
    var trace = gd.data[iLabels], hover = gd.data[iIds], ids = hover.customdata || [];
    fullTexts(m, trace, hover);
    var full = trace._explorerFull, texts = full, hovers = hover._explorerFull, key = "all";
    if (!all) {
      texts = full.map(function (t, i) { return labelAt(t, m.reveal[ids[i]], m.colors, k); });
      hovers = hovers.map(function (t, i) { return hoverAt(t, m.reveal[ids[i]], k); });
      key = texts.join("\u0000");
    }
    if (trace._explorerShown === key) { return false; }
    trace._explorerShown = key;
    if (Array.isArray(hover.hovertext) || m.table) { window.Plotly.restyle(gd, {hovertext: [hovers]}, [iIds]); }
    trace._explorerAll = texts;
    trace._explorerRegion = null;
    if (texts.length >= FEW_LABELS) { return labelsForView(gd); }
    window.Plotly.restyle(gd, {text: [texts], visible: true}, [iLabels]);
    return true;
  }

  /* The point halfway along a route, by length (explorer/drawing/figure.py route_middle). */
  function routeMiddle(r) {
    var legs = [], total = 0, i;
    for (i = 1; i < r.length; i++) {
      legs.push(Math.hypot(r[i][0] - r[i - 1][0], r[i][1] - r[i - 1][1]));
      total += legs[i - 1];
    }
    var half = total / 2;
    for (i = 1; i < r.length; i++) {
      if (half <= legs[i - 1] && legs[i - 1] > 0) {
        var t = half / legs[i - 1];
        return [r[i - 1][0] + (r[i][0] - r[i - 1][0]) * t, r[i - 1][1] + (r[i][1] - r[i - 1][1]) * t];
      }
      half -= legs[i - 1];
    }
    return r.length ? r[0] : [0, 0];
  }

  /* Light up step k (or clear everything when k < 0). */
  function show(gd, k) {
    var m = meta(gd);
    if (!m) { return; }
    var iNode = traceIndex(gd, TRACES.highlight_node);
    var iEdge = traceIndex(gd, TRACES.highlight_edge);
    var iText = traceIndex(gd, TRACES.highlight_text);
    if (iNode < 0 || iEdge < 0 || iText < 0) { return; }
    var nx = [], ny = [], ex = [], ey = [], tx = [], ty = [], tt = [];
    var color = m.colors.value;
    if (k >= 0 && k < m.steps.length) {
      var s = m.steps[k];
      color = s.p === "f" ? m.colors.value : m.colors.grad;
      var b = m.boxes[s.n];
      if (b) {
        nx = [b[0], b[2], b[2], b[0], b[0]];
        ny = [b[1], b[1], b[3], b[3], b[1]];
        tx = [(b[0] + b[2]) / 2];
        ty = [b[1]];
        tt = [s.v || ""];
      }
      for (var i = 0; i < s.e.length; i++) {
        var r = m.routes[s.e[i]];
        if (!r) { continue; }
        for (var j = 0; j < r.length; j++) { ex.push(r[j][0]); ey.push(r[j][1]); }
        ex.push(null); ey.push(null);
      }
    }
    window.Plotly.restyle(gd, {x: [nx, ex, tx], y: [ny, ey, ty], text: [null, null, tt],
                               "line.color": [color, color, null], "textfont.color": [null, null, color]},
                          [iNode, iEdge, iText]);
  }

  /* The fast way to light up step k: an SVG layer drawn over the plot in screen pixels (xaxis.l2p), so it
     costs well under a millisecond whatever the graph's size, where `show` makes plotly redraw the figure.
     Zoom and pan must call it again. `big` draws thicker lines (presentation mode). */
  var SVG_NS = "http://www.w3.org/2000/svg";

  function overlayLayer(gd) {
    return svgLayer(gd, "explorer-overlay");
  }

  /* An SVG layer of our own (class `cls`) over the plot area, made on first use and sized to it now; null
     before plotly has drawn. The step highlight and the editor's line marks (editor.js) each have one. */
  function svgLayer(gd, cls) {
    var fl = gd._fullLayout;
    var container = gd.querySelector(".svg-container");
    if (!fl || !fl._size || !container) { return null; }
    var svg = container.querySelector("svg." + cls);
    if (!svg) {
      svg = document.createElementNS(SVG_NS, "svg");
      svg.setAttribute("class", cls);
      svg.style.position = "absolute";
      svg.style.pointerEvents = "none";
      svg.style.overflow = "hidden";
      var first = container.querySelector(".main-svg");
      container.insertBefore(svg, first ? first.nextSibling : null);  // under plotly's hover labels
    }
    var size = fl._size;
    svg.style.left = size.l + "px";
    svg.style.top = size.t + "px";
    svg.setAttribute("width", Math.max(0, size.w));
    svg.setAttribute("height", Math.max(0, size.h));
    return svg;
  }

  function el(name, attrs) {
    var node = document.createElementNS(SVG_NS, name);
    for (var a in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, a)) { node.setAttribute(a, attrs[a]); } }
    return node;
  }

  /* Where to centre a label w x h on the route `pts` so that it covers none of the rectangles `rects`
     ([x0, y0, x1, y1]: node boxes, labels already placed), all in one unit: the route's middle if free, else the
     nearest free place along it or beside it, in the order of explorer/drawing/figure.py label_spot (which
     the exported pictures use); the middle if none is free. With `bounds` ([x0, y0, x1, y1]: what is drawn,
     the plot area on screen or the picture's ranges), only places inside it are tried, so that a label under
     the lowest box is not cut off at the graph's edge; if none of them is free, the one that covers least. */
  var LABEL_ALONG = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9], LABEL_BESIDE = 24;

  function labelSpot(pts, w, h, rects, bounds) {
    if (!pts.length) { return [0, 0]; }
    var legs = [], total = 0, i, j;
    for (i = 1; i < pts.length; i++) {
      legs.push(Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]));
      total += legs[i - 1];
    }
    var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
    var reach = LABEL_BESIDE * (Math.max(w, h) / 2 + 4);
    var lo = [Math.min.apply(null, xs) - reach - w, Math.min.apply(null, ys) - reach - h];
    var hi = [Math.max.apply(null, xs) + reach + w, Math.max.apply(null, ys) + reach + h];
    var near = rects.filter(function (o) { return o[0] < hi[0] && o[2] > lo[0] && o[1] < hi[1] && o[3] > lo[1]; });
    var places = [];
    LABEL_ALONG.forEach(function (t) {
      var at = t * total, p = pts[pts.length - 1], d = [p[0] - pts[0][0], p[1] - pts[0][1]];
      for (j = 1; j < pts.length; j++) {
        var a = pts[j - 1], b = pts[j], len = legs[j - 1];
        if (at <= len && len > 0) {
          p = [a[0] + (b[0] - a[0]) * at / len, a[1] + (b[1] - a[1]) * at / len];
          d = [b[0] - a[0], b[1] - a[1]];
          break;
        }
        at -= len;
      }
      var cost = Math.abs(t - 0.5) * total, acrossX = Math.abs(d[1]) >= Math.abs(d[0]);
      places.push([rank(cost), p[0], p[1]]);
      for (var k = 1; k <= LABEL_BESIDE; k++) {
        [1, -1].forEach(function (sign) {
          var side = sign * k * (w / 2 + 4), upright = sign * k * (h / 2 + 4);
          places.push([rank(cost + Math.abs(side) * (acrossX ? 1 : 1.5)), p[0] + side, p[1]]);
          places.push([rank(cost + Math.abs(upright) * (acrossX ? 1.5 : 1)), p[0], p[1] + upright]);
        });
      }
    });
    places.forEach(function (q, n) { q.push(n); });
    places.sort(function (a, b) { return a[0] - b[0] || a[3] - b[3]; });  /* stable, as Python's sort */
    if (bounds) { places = places.filter(function (q) { return inside(q[1], q[2], w, h, bounds); }); }
    for (i = 0; i < places.length; i++) {
      var x = places[i][1], y = places[i][2], free = true;
      for (j = 0; j < near.length && free; j++) {
        var o = near[j];
        if (x - w / 2 < o[2] && o[0] < x + w / 2 && y - h / 2 < o[3] && o[1] < y + h / 2) { free = false; }
      }
      if (free) { return [x, y]; }
    }
    if (!bounds || !places.length) {
      var mid = routeMiddle(pts);
      return bounds ? [clampInto(mid[0], w, bounds[0], bounds[2]), clampInto(mid[1], h, bounds[1], bounds[3])] : mid;
    }
    /* no free place inside: the one that covers least (the first such, nearest the middle) */
    var best = null, least = Infinity;
    places.forEach(function (q) {
      var area = 0;
      near.forEach(function (o) { area += covered(q[1], q[2], w, h, o); });
      if (area < least) { least = area; best = q; }
    });
    return [best[1], best[2]];
  }

  /* A place's cost in thousandths (figure.py _rank): equal costs tie here as in Python, whatever the last bit. */
  function rank(cost) { return Math.floor(cost * 1000 + 0.5); }

  /* The area of rectangle o that a w x h rectangle centred on (x, y) covers. */
  function covered(x, y, w, h, o) {
    var dx = Math.min(x + w / 2, o[2]) - Math.max(x - w / 2, o[0]);
    var dy = Math.min(y + h / 2, o[3]) - Math.max(y - h / 2, o[1]);
    return dx > 0 && dy > 0 ? dx * dy : 0;
  }

  /* Is the w x h rectangle centred on (x, y) inside bounds [x0, y0, x1, y1] (in either order)? */
  function inside(x, y, w, h, b) {
    return x - w / 2 >= Math.min(b[0], b[2]) && x + w / 2 <= Math.max(b[0], b[2]) &&
           y - h / 2 >= Math.min(b[1], b[3]) && y + h / 2 <= Math.max(b[1], b[3]);
  }

  /* The centre c of a length `size` moved into [lo, hi] (either order) as far as it fits. */
  function clampInto(c, size, lo, hi) {
    var a = Math.min(lo, hi) + size / 2, b = Math.max(lo, hi) - size / 2;
    return a > b ? (a + b) / 2 : Math.min(Math.max(c, a), b);
  }

  /* plotly annotations for the gradients edges carry at step k (with `all`, "show all": passGrads), placed as
     on screen (labelSpot) in layout units drawn `zoom` px each: what an image file of the graph shows
     (explorer/drawing/figure.py edge_labels makes the same for the server's exports). */
  function edgeAnnotations(m, k, all, background, zoom, bounds) {
    var grads = {}, s = k >= 0 && k < m.steps.length ? m.steps[k] : null;
    if (all) {
      grads = passGrads(m, k);
    } else if (s && s.p === "b") {
      for (var i = 0; i < s.e.length; i++) { if (s.g && s.g[i]) { grads[s.e[i]] = s.g[i]; } }
    }
    var ctx = document.createElement("canvas").getContext("2d");
    ctx.font = "bold 13px DejaVu Sans, Verdana, Arial, sans-serif";
    var rects = Object.keys(m.boxes).map(function (n) { return m.boxes[n].slice(); });
    var esc = function (t) { return t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); };
    return Object.keys(grads).filter(function (e) { return m.routes[e]; }).map(function (e) {
      var g = grads[e], w = (ctx.measureText(g).width + 8) / (zoom || 1), h = (13 * 1.3 + 8) / (zoom || 1);
      var p = labelSpot(m.routes[e], w, h, rects, bounds);
      rects.push([p[0] - w / 2, p[1] - h / 2, p[0] + w / 2, p[1] + h / 2]);
      return {x: p[0], y: p[1], xref: "x", yref: "y", text: esc(g), showarrow: false,
              font: {color: m.colors.grad, size: 13}, bgcolor: background, bordercolor: m.colors.grad,
              borderwidth: 1.5, borderpad: 2};
    });
  }

  /* The node boxes in screen pixels (for labelSpot), once per drawing of the overlay. */
  function pixelBoxes(m, X, Y) {
    return Object.keys(m.boxes).map(function (n) {
      var b = m.boxes[n], x0 = X(b[0]), x1 = X(b[2]), y0 = Y(b[1]), y1 = Y(b[3]);
      return [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
    });
  }

  /* A gradient's number boxed on edge e, in the gradient colour, where it covers no node box and no label in
     `placed` (labelSpot, in screen pixels): at its backward step, and again while the edge is hovered. */
  function edgeLabel(svg, gd, m, e, g, X, Y, big, cls, placed) {
    var r = m.routes[e];
    if (!r || !r.length) { return; }
    var group = el("g", {"class": cls, "data-edge": e});
    var t = el("text", {x: 0, y: 0, "text-anchor": "middle", "dominant-baseline": "central", fill: m.colors.grad,
                        "font-size": big ? 22 : 13, "font-weight": "bold",
                        "font-family": "DejaVu Sans, Verdana, Arial, sans-serif"});
    t.textContent = g;
    group.appendChild(t);
    svg.appendChild(group);
    var b = t.getBBox(), w = b.width + 8, h = b.height + 4;
    if (!svg._explorerBoxes) { svg._explorerBoxes = pixelBoxes(m, X, Y); }
    var rects = svg._explorerBoxes.concat((placed || []).map(function (q) { return [q.x, q.y, q.x + q.width, q.y + q.height]; }));
    var bounds = [0, 0, +svg.getAttribute("width"), +svg.getAttribute("height")];  /* the overlay: the plot area */
    var p = labelSpot(r.map(function (q) { return [X(q[0]), Y(q[1])]; }), w, h, rects, bounds);
    t.setAttribute("x", p[0]);
    t.setAttribute("y", p[1]);
    var frame = {x: p[0] - w / 2, y: p[1] - h / 2, width: w, height: h};
    if (placed) { placed.push(frame); }
    group.insertBefore(el("rect", {x: frame.x, y: frame.y, width: w, height: h, rx: 3,
                                   fill: gd._fullLayout.paper_bgcolor || "#fff", stroke: m.colors.grad,
                                   "stroke-width": 1.5}), t);
  }

  /* Edges that have carried a gradient by step k can be hovered: a wide invisible stroke along each shows
     its label while the pointer is on it (the layer itself lets the pointer through to plotly). */
  function edgeHover(svg, gd, m, k, big, X, Y, all) {
    var sent = all ? passGrads(m, k) : carried(m, k);
    Object.keys(sent).forEach(function (e) {
      var r = m.routes[e];
      if (!r || r.length < 2) { return; }
      var d = "M" + r.map(function (p) { return X(p[0]).toFixed(1) + "," + Y(p[1]).toFixed(1); }).join("L");
      var hit = el("path", {d: d, fill: "none", stroke: "transparent", "stroke-width": 12, "class": "edge-hit",
                            "data-edge": e});
      hit.style.pointerEvents = "stroke";
      hit.addEventListener("mouseenter", function () {
        edgeLabel(svg, gd, m, e, sent[e], X, Y, big, "edge-grad edge-hovered");
      });
      hit.addEventListener("mouseleave", function () {
        var shown = svg.querySelectorAll("g.edge-hovered");
        for (var i = 0; i < shown.length; i++) { svg.removeChild(shown[i]); }
      });
      svg.insertBefore(hit, svg.firstChild);
    });
  }

  /* Step k on the overlay. opts.all: the "show all" picture (every edge's gradient can be hovered);
     opts.ask: the step's gradient is a question not yet answered (quiz mode), so its numbers stay hidden. */
  function overlay(gd, k, big, opts) {
    opts = opts || {};
    var svg = overlayLayer(gd);
    if (!svg) { return; }
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var m = meta(gd);
    if (!m) { svg.setAttribute("data-step", "-1"); return; }
    var xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    function X(v) { return xa.l2p(v); }
    function Y(v) { return ya.l2p(v); }
    svg._explorerBoxes = null;  /* the boxes in pixels, worked out again for this drawing (zoom, pan) */
    edgeHover(svg, gd, m, opts.ask ? k - 1 : k, big, X, Y, opts.all);
    if (k < 0 || k >= m.steps.length) { svg.setAttribute("data-step", "-1"); return; }
    var s = m.steps[k];
    var color = s.p === "f" ? m.colors.value : m.colors.grad;
    for (var i = 0; i < s.e.length; i++) {
      var r = m.routes[s.e[i]];
      if (!r || !r.length) { continue; }
      var d = "M" + r.map(function (p) { return X(p[0]).toFixed(1) + "," + Y(p[1]).toFixed(1); }).join("L");
      svg.appendChild(el("path", {d: d, fill: "none", stroke: color, "stroke-width": big ? 9 : 5,
                                  "stroke-linecap": "round", "stroke-linejoin": "round", "class": "hl-edge",
                                  opacity: 0.85}));
    }
    var b = m.boxes[s.n];
    if (b) {
      var x0 = Math.min(X(b[0]), X(b[2])), x1 = Math.max(X(b[0]), X(b[2]));
      var y0 = Math.min(Y(b[1]), Y(b[3])), y1 = Math.max(Y(b[1]), Y(b[3]));
      svg.appendChild(el("rect", {x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: "none", stroke: color,
                                  "stroke-width": big ? 7 : 4, rx: 2, "class": "hl-node"}));
      if (s.v && !(opts.ask && s.p === "b")) {
        /* above the box; below it when a box in the top row leaves no room above (the number was cut off by
           the picture's edge), and moved in from a side edge that a long value would cross */
        var size = big ? 26 : 15, room = +svg.getAttribute("height"), wide = +svg.getAttribute("width");
        var under = y0 - 6 - size < 0 && y1 + size + 4 <= room;
        var t = el("text", {x: (x0 + x1) / 2, y: under ? y1 + size + 2 : y0 - 6, "text-anchor": "middle",
                            fill: color, "font-size": size, "font-weight": "bold", "class": "hl-text",
                            "paint-order": "stroke", stroke: (gd._fullLayout.paper_bgcolor || "#fff"),
                            "stroke-width": 4, "font-family": "DejaVu Sans, Verdana, Arial, sans-serif"});
        t.textContent = s.v;
        svg.appendChild(t);
        var len = t.getComputedTextLength ? t.getComputedTextLength() : 0;
        if (len && len + 4 < wide) {
          t.setAttribute("x", Math.min(Math.max((x0 + x1) / 2, len / 2 + 2), wide - len / 2 - 2));
        }
      }
    }
    if (s.p === "b" && !opts.ask) {
      var placed = [];
      for (var g = 0; g < s.e.length; g++) {
        if (s.g && s.g[g]) { edgeLabel(svg, gd, m, s.e[g], s.g[g], X, Y, big, "edge-grad", placed); }
      }
    }
    svg.setAttribute("data-step", String(k));
  }

  /* Node labels are text of a fixed pixel size, but boxes are drawn in layout units (pixels at zoom 1):
     scale each label with its box, so it stays inside when the graph is zoomed out to fit and grows with
     it when the graph is drawn larger (a small graph on a big canvas, or zoomed in to read).
     Works on plotly's SVG directly (a transform per label), so it costs no redraw. All writes, then all
     reads, then all writes: reading a box between two writes would make the browser lay the page out
     again for every label (a thousand layouts per frame on a 1,000-node graph). */
  function fitText(gd) {
    var full = gd && gd._fullLayout;
    if (!full || !full.xaxis || !full.xaxis.range) { return; }
    var units = Math.abs(full.xaxis.range[1] - full.xaxis.range[0]);
    var scale = units > 0 ? full.xaxis._length / units : 1;
    var k = Math.abs(scale - 1) < 0.001 ? "1" : scale.toFixed(3);
    var all = gd.querySelectorAll(".scatterlayer .textpoint text");
    var todo = [], i, t;
    for (i = 0; i < all.length; i++) {  /* labels plotly has not redrawn since the last fit keep theirs */
      t = all[i];
      var key = k + "|" + t.getAttribute("x") + "|" + t.getAttribute("y") + "|" + t.parentNode.getAttribute("transform");
      if (t.__explorerFit !== key) { t.__explorerFit = key; todo.push(t); }
    }
    var halo = full.paper_bgcolor || "#fff";
    for (i = 0; i < todo.length; i++) {
      todo[i].removeAttribute("transform");
      if (todo[i].getAttribute("text-anchor") === "start") {  /* a frame's label: edges may pass under it */
        todo[i].style.paintOrder = "stroke";
        todo[i].style.stroke = halo;
        todo[i].style.strokeWidth = "3px";
        todo[i].style.strokeLinejoin = "round";
      }
    }
    if (k === "1") { return; }
    var centres = new Array(todo.length);
    for (i = 0; i < todo.length; i++) {
      var b = todo[i].getBBox();  /* scale about the middle of the label, which sits on its box's centre */
      /* ... but a frame's label (written from its start, at the frame's top left: the next label of the same
         strip begins where it ends) about its start, or shrunk labels of one strip would run into each other */
      var fromStart = todo[i].getAttribute("text-anchor") === "start";
      centres[i] = fromStart ? [b.x, b.y] : [b.x + b.width / 2, b.y + b.height / 2];
    }
    for (i = 0; i < todo.length; i++) {
      var x = centres[i][0], y = centres[i][1];
      todo[i].setAttribute("transform",
        "translate(" + x + "," + y + ") scale(" + k + ") translate(" + (-x) + "," + (-y) + ")");
    }
  }

  /* Numbers of a trace as the figure gave them: a plain array, or plotly's typed-array spec
     {dtype: "f8" | "f4", bdata: base64} (explorer/drawing/figure.py sends coordinates that way; the app's
     compact figures in float32, explorer/drawing/compact.py narrowed). */
  function numbers(v) {
    if (!v || !v.bdata) { return v; }
    if (v.dtype !== "f8" && v.dtype !== "f4") { return null; }
    var raw = window.atob(v.bdata), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return v.dtype === "f8" ? new Float64Array(bytes.buffer) : new Float32Array(bytes.buffer);
  }

  /* Plotly lays out every label of a text trace at every redraw, on screen or not: on 1,000 nodes that is
     three quarters of a redraw. So for a graph of many labels (the trace TRACES.labels of
     explorer/drawing/figure.py) only some are kept: none while zoomed out below a third of their size (specks
     nobody can read), and once readable only those around the view -- a region half a view wider on
     every side, so that small pans and zooms change nothing. Returns true when it changed the trace
     (plotly then redraws, and the caller runs again). */
  var MIN_READABLE = 0.3;
  /* explorer/drawing/figure.py LAZY_LABELS_MIN: from there on, the app's figures arrive with the labels
     hidden, and this shows them */
  var FEW_LABELS = CONFIG.lazy_labels_min;
  function labelsForView(gd) {
    var full = gd && gd._fullLayout;
    if (!full || !full.xaxis || !full.xaxis.range || !gd.data || !window.Plotly) { return false; }
    var idx = -1, i;
    for (i = 0; i < gd.data.length; i++) { if (gd.data[i].name === TRACES.labels) { idx = i; break; } }
    if (idx < 0) { return false; }
    var trace = gd.data[idx];
    if (!trace._explorerAll) { trace._explorerAll = trace.text || []; trace._explorerRegion = null; }
    var all = trace._explorerAll;
    if (all.length < FEW_LABELS) { return false; }
    var xr = full.xaxis.range, yr = full.yaxis.range;
    var units = Math.abs(xr[1] - xr[0]);
    var scale = units > 0 ? Math.min(1, full.xaxis._length / units) : 1;
    if (scale < MIN_READABLE) {
      if (trace.visible === false) { return false; }
      trace._explorerRegion = null;
      window.Plotly.restyle(gd, {visible: false}, [idx]);
      return true;
    }
    var x0 = Math.min(xr[0], xr[1]), x1 = Math.max(xr[0], xr[1]);
    var y0 = Math.min(yr[0], yr[1]), y1 = Math.max(yr[0], yr[1]);
    var r = trace._explorerRegion;
    if (trace.visible !== false && r && x0 >= r[0] && x1 <= r[1] && y0 >= r[2] && y1 <= r[3]) { return false; }
    var dx = (x1 - x0) / 2, dy = (y1 - y0) / 2;
    r = trace._explorerRegion = [x0 - dx, x1 + dx, y0 - dy, y1 + dy];
    var xs = numbers(trace.x), ys = numbers(trace.y);
    if (!xs || !ys) { return false; }
    var shown = new Array(all.length);
    for (i = 0; i < all.length; i++) {
      var inside = xs[i] >= r[0] && xs[i] <= r[1] && ys[i] >= r[2] && ys[i] <= r[3];
      shown[i] = inside ? all[i] : "";
    }
    window.Plotly.restyle(gd, {text: [shown], visible: true}, [idx]);
    return true;
  }

  /* Calls f(gd) at most once per animation frame, however often plotly reports zooming or panning. */
  function perFrame(f) {
    var pending = null;
    return function (gd) {
      if (pending !== null) { return; }
      pending = window.requestAnimationFrame(function () { pending = null; f(gd); });
    };
  }

  window.ExplorerPlayer = {config: CONFIG, meta: meta, parse: parse, caption: caption, stepCaption: stepCaption,
                           show: show, overlay: overlay, count: count, fitText: fitText, perFrame: perFrame,
                           labelsForView: labelsForView, labelAt: labelAt, hoverAt: hoverAt, carried: carried,
                           passGrads: passGrads, labelSpot: labelSpot, edgeAnnotations: edgeAnnotations,
                           svgLayer: svgLayer,
                           revealLabels: revealLabels, routeMiddle: routeMiddle, fullTexts: fullTexts};
})();
