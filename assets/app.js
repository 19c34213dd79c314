/*
 * Autograd Explorer app: the browser-side half of the Dash app (explorer/app/callbacks.py wires these).
 *
 *   window.dash_clientside.explorer.player   play / pause / step / scrub, with no server round trip: the lit
 *                                             step is drawn in an SVG layer over the plot (drawOverlay), in
 *                                             the look of ExplorerPlayer.show (assets/animation.js), whose
 *                                             captions it uses
 *   .speed, .setLang, .togglePresent, .webgl, .pageClass, .gutter, .share, .copyLink, .downloadImage
 *   keyboard: Space play/pause, ← → step, Home/End, Ctrl+Enter run, P presentation, Esc leave it,
 *             Tab in the editor inserts four spaces.
 * Shortcuts press the page's own buttons, so a key and a click always do the same thing.
 */
(function () {
  "use strict";

  var SPEEDS = {"0.5": 1400, "1": 700, "2": 350, "4": 175};
  var app = window.ExplorerApp = {k: -1, playing: false, clicks: {}, drawn: 0};  // drawn: figures plotly drew

  function graphDiv() {
    return document.querySelector("#graph .js-plotly-plot");
  }

  /* The animation data of a figure (layout.meta.explorer: a JSON string, parsed once, or an object). */
  var parsed = {raw: null, meta: null};
  function metaOf(figure) {
    var raw = figure && figure.layout && figure.layout.meta && figure.layout.meta.explorer;
    if (!raw) { return null; }
    if (typeof raw !== "string") { return raw; }
    if (parsed.raw !== raw) { parsed.raw = raw; parsed.meta = JSON.parse(raw); }
    return parsed.meta;
  }

  function noUpdate() {
    return window.dash_clientside.no_update;
  }

  /* --- the highlight: an SVG layer of our own over the plot ------------------------------------------
     ExplorerPlayer.show restyles plotly traces, and plotly then redraws the whole figure: ~300 ms a frame on
     a 500-node graph. Here a frame only replaces a few SVG elements placed with the axes' own scales
     (xaxis.l2p), so it costs well under a millisecond whatever the graph's size; zoom and pan redraw it.
     The look is animation.js's: the box and the edges of the step in the value (forward) or gradient
     (backward) colour, and the number above the box. */
  function drawOverlay(gd, k) {
    window.ExplorerPlayer.overlay(gd, k, document.body.classList.contains("theme-projector"));
  }

  /* Light up step k on the drawn graph, now. */
  function showNow(k) {
    var gd = graphDiv();
    app.k = k;
    if (gd && gd.layout && gd._fullLayout) {
      hookGraph(gd);
      drawOverlay(gd, k);
    }
  }

  /* Redraw the highlight whenever plotly draws: a new figure (Plotly.react), zoom, pan, resize. */
  function hookGraph(gd) {
    if (gd._explorerHooked || !gd.on) { return; }
    gd._explorerHooked = true;
    var again = function () {
      var P = window.ExplorerPlayer;
      if (P && P.labelsForView && P.labelsForView(gd)) { return; }  /* plotly redraws, then again */
      drawOverlay(gd, app.k);
      if (P && P.fitText) { P.fitText(gd); }
    };
    /* mid-drag plotly only moves its layers: the labels keep their fit, the highlight follows */
    var follow = function () { drawOverlay(gd, app.k); };
    var soon = window.ExplorerPlayer ? window.ExplorerPlayer.perFrame(follow) : follow;
    gd.on("plotly_react", function () {
      app.drawn += 1;
      setTimeout(again, 0);
    });
    /* dcc.Graph (Dash 4) copies each zoom or pan into its `figure` prop, and a new figure prop makes it draw
       the whole graph again with Plotly.react: each zoom of a 1,000-node graph took two draws (~150 ms each).
       Nothing reads the figure back (uirevision keeps the view when a new figure arrives), so plotly's
       "plotly_relayout" goes to this page's handler only. */
    var emit = gd.emit;
    if (typeof emit === "function") {
      gd.emit = function (name, data) {
        if (name === "plotly_relayout") { again(data); return undefined; }
        return emit.apply(this, arguments);
      };
    } else {
      gd.on("plotly_relayout", again);
    }
    gd.on("plotly_relayouting", function () { soon(gd); });  /* fires on every mouse move of a drag */
    gd.on("plotly_afterplot", again);
  }

  /* A new figure is on its way: light up step k again once plotly has drawn it (dcc.Graph draws with
     Plotly.react, which ends with a "plotly_react" event). */
  function showWhenDrawn(k) {
    app.k = k;
    var tries = 0;
    (function hook() {
      var gd = graphDiv();
      if (!gd || !gd.on) {
        if (tries++ < 400) { setTimeout(hook, 25); }
        return;
      }
      hookGraph(gd);
      showNow(app.k);  // in case the graph was drawn before we got here
    })();
  }

  function triggeredIds() {
    var c = window.dash_clientside.callback_context;
    return (c && c.triggered || []).map(function (t) { return t.prop_id.split(".")[0]; });
  }

  function marks(meta, n) {
    var out = {0: "▷"};
    if (meta && meta.n_forward < n) { out[meta.n_forward + 1] = "◁"; }
    return out;
  }

  var clientside = {
    /* The timeline: every control ends here. The page's own memory (ExplorerApp.k, .playing, .clicks) is the
       truth, not the Store, which may lag behind quick presses; clicks are counted by their n_clicks
       difference, so two presses that Dash delivers in one call still make two steps. */
    player: function (first, back, play, fwd, last, tick, slider, figure, lang, state) {
      var meta = metaOf(figure);
      var n = meta ? meta.steps.length : 0;
      var seen = app.clicks || (app.clicks = {});
      function delta(name, value) {
        var d = (value || 0) - (seen[name] || 0);
        seen[name] = value || 0;
        return d > 0 ? d : 0;
      }
      var d = {first: delta("first", first), back: delta("back", back), play: delta("play", play),
               fwd: delta("fwd", fwd), last: delta("last", last), tick: delta("tick", tick)};
      var k = app.k;
      var playing = !!app.playing;
      var ids = triggeredIds();
      var newFigure = ids.indexOf("graph") >= 0;
      if (d.first) { k = -1; playing = false; }
      if (d.back) { k -= d.back; playing = false; }
      if (d.fwd) { k += d.fwd; playing = false; }
      if (d.last) { k = n - 1; playing = false; }
      if (d.play % 2 === 1) {
        if (playing) { playing = false; }
        else { if (k >= n - 1) { k = -1; } playing = n > 0; }
      }
      if (d.tick && playing && ids.indexOf("tick") >= 0) { k += 1; }
      if (ids.indexOf("tl-slider") >= 0 && typeof slider === "number" && slider - 1 !== app.k) {
        k = slider - 1; playing = false;
      }
      k = Math.max(-1, Math.min(n - 1, k));
      if (k >= n - 1) { playing = false; }
      app.playing = playing;
      if (newFigure) { showWhenDrawn(k); }
      else if (k !== app.k || ids.length === 0) { showNow(k); }
      var caption = window.ExplorerPlayer && meta ?
        window.ExplorerPlayer.caption({layout: {meta: {explorer: meta}}}, k, lang === "zh" ? "zh" : "en") : "";
      return [{k: k, playing: playing}, k + 1, Math.max(n, 1), marks(meta, n), caption, !playing,
              playing ? "❚❚" : "▶"];
    },

    speed: function (value) {
      return SPEEDS[value] || 700;
    },

    setLang: function () {
      var ids = triggeredIds();
      return ids.indexOf("lang-zh") >= 0 ? "zh" : "en";
    },

    togglePresent: function (n, present) {
      return !present;
    },

    /* Does this browser draw WebGL on a GPU? The server then draws a big graph's lines and markers with it:
       a redraw at each zoom is several times cheaper. A software renderer (SwiftShader, llvmpipe: no GPU)
       would make dragging slower than SVG, so it counts as no. `?gl=1` or `?gl=0` in the address decides
       instead, and is remembered in this browser. */
    webgl: function () {
      var forced = /[?&]gl=([01])(&|$)/.exec(window.location.search);
      try {
        if (forced) { window.localStorage.setItem("explorer-gl", forced[1]); }
        var kept = window.localStorage.getItem("explorer-gl");
        if (kept === "0" || kept === "1") { return kept === "1"; }
      } catch (e) {
        if (forced) { return forced[1] === "1"; }  /* storage blocked: this page only */
      }
      try {
        var gl = document.createElement("canvas").getContext("webgl");
        if (!gl) { return false; }
        var info = gl.getExtension("WEBGL_debug_renderer_info");
        var renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
        return !/swiftshader|llvmpipe|softpipe|software/i.test(renderer);
      } catch (e) {
        return false;
      }
    },

    /* Classes on <body> for the theme and presentation mode; <html lang>. */
    pageClass: function (theme, present, lang) {
      var b = document.body;
      ["theme-light", "theme-dark", "theme-projector", "present"].forEach(function (c) { b.classList.remove(c); });
      b.classList.add("theme-" + (present ? "projector" : (theme || "light")));
      if (present) { b.classList.add("present"); }
      document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
      ["lang-en", "lang-zh"].forEach(function (id) {
        var el = document.getElementById(id);
        if (el) { el.classList.toggle("active", (lang === "zh") === (id === "lang-zh")); }
      });
      setTimeout(function () { window.dispatchEvent(new Event("resize")); }, 60);
      return noUpdate();
    },

    /* Line numbers beside the editor; the error's line marked. */
    gutter: function (value, error) {
      var n = (value || "").split("\n").length;
      var bad = error && typeof error.line === "number" ? error.line : -1;
      var out = [];
      for (var i = 1; i <= n; i++) {
        out.push({type: "Div", namespace: "dash_html_components",
                  props: {children: String(i), className: i === bad ? "gutter-line error-line" : "gutter-line"}});
      }
      return out;
    },

    /* Put the state in the address bar (no new history entry) and in the share box. */
    share: function (query) {
      if (typeof query !== "string") { return noUpdate(); }
      var url = window.location.pathname + "?" + query;
      try { window.history.replaceState(window.history.state, "", url); } catch (e) { /* file:// etc. */ }
      return window.location.origin + url;
    },

    copyLink: function (n, link) {
      var box = document.getElementById("share-link");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(link).catch(function () {});
      } else if (box) {
        box.select();
        try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
      }
      var btn = document.getElementById("share-copy");
      setTimeout(function () { if (btn) { btn.className = "btn btn-small"; } }, 1500);
      return "btn btn-small copied";
    },

    /* PNG and SVG straight from the drawn graph (plotly.js's own image export). */
    downloadImage: function (png, svg, spec) {
      var gd = graphDiv();
      if (!gd || !window.Plotly) { return noUpdate(); }
      var format = triggeredIds().indexOf("exp-svg") >= 0 ? "svg" : "png";
      var name = "autograd-" + (spec && spec.example ? spec.example : "program");
      var full = gd._fullLayout || {};
      var lit = app.k >= 0 && window.ExplorerPlayer;
      if (lit) { window.ExplorerPlayer.show(gd, app.k); }  // the picture shows the step on screen
      var done = function () { if (lit) { window.ExplorerPlayer.show(gd, -1); } };
      window.Plotly.downloadImage(gd, {format: format, filename: name, scale: format === "png" ? 2 : 1,
                                       width: full.width || 1200, height: full.height || 700}).then(done, done);
      return noUpdate();
    }
  };

  app.show = showNow;  // light up step k (or none, k = -1) on the graph: for benchmarks and the console

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.explorer = clientside;

  /* --- keyboard ---------------------------------------------------------------------------------------- */
  function press(id) {
    var el = document.getElementById(id);
    if (el) { el.click(); }
  }

  /* Keys belong to the element that has them: text fields, radio buttons, the slider, open menus. */
  function ownsKeys(el) {
    if (!el) { return false; }
    var tag = (el.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "select" || tag === "input" || el.isContentEditable) { return true; }
    return !!(el.closest && el.closest("[role=slider], [role=listbox], [role=option], [aria-haspopup], .slider-wrap"));
  }

  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
      e.preventDefault();
      press("run-btn");
      return;
    }
    if (e.key === "Tab" && !e.shiftKey && e.target && e.target.id === "editor") {
      e.preventDefault();
      document.execCommand("insertText", false, "    ");
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var keys = {" ": "tl-play", "ArrowRight": "tl-fwd", "ArrowLeft": "tl-back", "Home": "tl-first",
                "End": "tl-last", "p": "present-btn", "P": "present-btn"};
    if (e.key === "Escape" && document.body.classList.contains("present")) {
      e.preventDefault();
      press("present-btn");
      return;
    }
    if (keys[e.key] && !ownsKeys(e.target)) {
      e.preventDefault();
      press(keys[e.key]);
    }
  });

  /* The gutter scrolls with the editor. */
  document.addEventListener("scroll", function (e) {
    if (e.target && e.target.id === "editor") {
      var g = document.getElementById("gutter");
      if (g) { g.scrollTop = e.target.scrollTop; }
    }
  }, true);
})();
