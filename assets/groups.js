/*
 * Autograd Explorer: the search box over a graph drawn with groups (explorer/app/groups.py wires it).
 *
 *   window.dash_clientside.explorer_groups.search(value, nSubmit, figure, lang) -> the count it shows
 *
 * The figure's animation data carries, in a figure drawn with groups, `search`: per drawn node, the words it
 * is found by, lower case (its variable names, torch's op and the plain word for it, its source text, the
 * module path and class around it, a parameter's name; a collapsed node, every word of the nodes inside it:
 * explorer/drawing/groups.py search_texts). Typing frames every node whose words contain the text (the
 * figure's empty "search-hits" trace is filled, explorer/drawing/figure.py SEARCH_HITS) and shows "0/N";
 * Enter moves to the next match ("1/N", "2/N", ... and round again) and pans the view to it, keeping the zoom.
 * A new figure (a run, a redraw, a group collapsed or opened) is searched again, from the start.
 */
(function () {
  "use strict";

  var HITS = "search-hits";
  var state = {query: null, raw: null, hits: [], k: -1, submits: 0};

  function graphDiv() {
    return document.querySelector("#graph .js-plotly-plot");
  }

  function rawOf(fig) {
    var layout = fig && fig.layout;
    return layout && layout.meta && layout.meta.explorer;
  }

  /* The ids of the drawn nodes whose words contain `query`, in the figure's order. */
  function find(meta, query) {
    var words = meta.search || {};
    return Object.keys(meta.boxes).filter(function (id) {
      return words[id] !== undefined && words[id].indexOf(query) >= 0;
    });
  }

  function frame(xs, ys, box, pad) {
    var x0 = box[0] - pad, y0 = box[1] - pad, x1 = box[2] + pad, y1 = box[3] + pad;
    xs.push(x0, x1, x1, x0, x0, null);
    ys.push(y0, y0, y1, y1, y0, null);
  }

  /* Frame every match, the current one twice. Once plotly has drawn the figure the data belongs to. */
  function draw(raw, tries) {
    var gd = graphDiv();
    if (!gd || !gd.data || rawOf(gd) !== raw) {
      if (tries > 0) { setTimeout(function () { draw(raw, tries - 1); }, 100); }
      return;
    }
    var index = -1;
    for (var i = 0; i < gd.data.length; i++) { if (gd.data[i].name === HITS) { index = i; } }
    if (index < 0) { return; }
    var meta = window.ExplorerPlayer.meta(gd);
    var xs = [], ys = [];
    state.hits.forEach(function (id, j) {
      frame(xs, ys, meta.boxes[id], 4);
      if (j === state.k) { frame(xs, ys, meta.boxes[id], 10); }
    });
    window.Plotly.restyle(gd, {x: [xs], y: [ys]}, [index]);
    if (state.k >= 0) { panTo(gd, meta.boxes[state.hits[state.k]]); }
  }

  /* Centre the view on a box, keeping the zoom (the y axis is reversed: its range runs bottom to top). */
  function panTo(gd, box) {
    var xr = gd._fullLayout.xaxis.range, yr = gd._fullLayout.yaxis.range;
    var cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
    var w = xr[1] - xr[0], h = yr[0] - yr[1];
    window.Plotly.relayout(gd, {"xaxis.range": [cx - w / 2, cx + w / 2], "yaxis.range": [cy + h / 2, cy - h / 2]})
      .then(function () { if (window.ExplorerApp.keepInWindow) { window.ExplorerApp.keepInWindow(gd, box); } });
    gd.setAttribute("data-search-centre", JSON.stringify([cx, cy]));
  }

  function search(value, nSubmit, figure) {
    var raw = rawOf(figure);
    var meta = raw ? window.ExplorerPlayer.meta(figure) : null;
    var query = (value || "").trim().toLowerCase();
    var submits = nSubmit || 0;
    if (!meta || !meta.search) {
      state = {query: query, raw: raw, hits: [], k: -1, submits: submits};
      return "";
    }
    if (query !== state.query || raw !== state.raw) {
      state = {query: query, raw: raw, hits: query ? find(meta, query) : [], k: -1, submits: submits};
    } else if (submits !== state.submits) {
      state.submits = submits;
      if (state.hits.length) { state.k = (state.k + 1) % state.hits.length; }
    }
    draw(raw, 30);
    if (!query) { return ""; }
    return (state.k + 1) + "/" + state.hits.length;
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.explorer_groups = {search: search};
  window.ExplorerGroups = {state: function () { return state; }};
})();
