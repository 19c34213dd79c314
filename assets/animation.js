/*
 * Autograd Explorer: plays the forward and backward steps of a traced program on its plotly graph.
 *
 * Everything a frame needs travels once, in the figure's layout.meta.explorer (see explorer/figure.py):
 *   boxes:  node id -> [x0, y0, x1, y1]        routes: edge id -> [[x, y], ...]
 *   steps:  [{p: "f"|"b", n: node id, e: [edge ids], v: value text, g: [gradient texts], k: pass}]
 *   titles: node id -> "mul · MulBackward0"    names: node id -> "y" (the variable, for captions)
 *   sources: edge id -> source node id          colors: {value, grad}
 * A frame only restyles three small "highlight" traces, so the browser does the playing and Python
 * sends nothing per step. Used by the Dash app (assets/ is served by Dash) and inlined in HTML exports.
 */
(function () {
  "use strict";

  var WORDS = {
    en: {forward: "forward", backward: "backward", gives: "gives", gets: "gets", sends: "sends", to: "to",
         pass: "pass", start: "press play or step to follow the values"},
    zh: {forward: "前向", backward: "反向", gives: "得到", gets: "收到梯度", sends: "传回", to: "给",
         pass: "第", start: "点击播放或单步，跟随数值流动"}
  };

  /* The figure's animation data; it travels as a JSON string (cheaper for plotly), parsed once per figure. */
  function meta(gd) {
    var raw = gd && gd.layout && gd.layout.meta && gd.layout.meta.explorer;
    if (!raw) { return null; }
    if (typeof raw !== "string") { return raw; }
    if (gd._explorerRaw !== raw) { gd._explorerRaw = raw; gd._explorerMeta = JSON.parse(raw); }
    return gd._explorerMeta;
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

  /* The one-line caption of step k: "backward 3/9: MulBackward0 gets 1.0, sends [2, 4] to y". */
  function caption(gd, k, lang) {
    var m = meta(gd);
    var w = WORDS[lang] || WORDS.en;
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

  /* Light up step k (or clear everything when k < 0). */
  function show(gd, k) {
    var m = meta(gd);
    if (!m) { return; }
    var iNode = traceIndex(gd, "highlight-node");
    var iEdge = traceIndex(gd, "highlight-edge");
    var iText = traceIndex(gd, "highlight-text");
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

  /* Node labels are text of a fixed pixel size, but boxes are drawn in layout units (pixels at zoom 1):
     when the whole graph is zoomed out to fit, shrink each label with its box so it stays inside.
     Works on plotly's SVG directly (a transform per label), so it costs no redraw. */
  function fitText(gd) {
    var full = gd && gd._fullLayout;
    if (!full || !full.xaxis || !full.xaxis.range) { return; }
    var units = Math.abs(full.xaxis.range[1] - full.xaxis.range[0]);
    var scale = units > 0 ? Math.min(1, full.xaxis._length / units) : 1;
    var labels = gd.querySelectorAll(".scatterlayer .textpoint text");
    for (var i = 0; i < labels.length; i++) {
      var t = labels[i];
      t.removeAttribute("transform");
      if (scale >= 0.999) { continue; }
      var b = t.getBBox();  /* scale about the middle of the label, which sits on its box's centre */
      var x = b.x + b.width / 2, y = b.y + b.height / 2;
      t.setAttribute("transform",
        "translate(" + x + "," + y + ") scale(" + scale.toFixed(3) + ") translate(" + (-x) + "," + (-y) + ")");
    }
  }

  window.ExplorerPlayer = {show: show, caption: caption, count: count, fitText: fitText, words: WORDS};
})();
