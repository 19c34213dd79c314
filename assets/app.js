/*
 * Autograd Explorer app: the browser-side half of the Dash app (explorer/app/callbacks.py wires these).
 *
 *   window.dash_clientside.explorer.player   play / pause / step / scrub, with no server round trip: the lit
 *                                             step is drawn in an SVG layer over the plot (drawOverlay), in
 *                                             the look of ExplorerPlayer.show (assets/animation.js), whose
 *                                             captions it uses; the labels and edges reveal what is computed by the lit step,
 *                                             or everything ("show all"); in quiz mode, stepping stops
 *                                             at each new gradient until it is answered
 *   .speed, .setLang, .togglePresent, .modeButtons, .quizNewRun, .webgl, .pageClass, .share,
 *   .copyLink, .downloadImage
 *   keyboard: Space play/pause, ← → step, Home/End, Ctrl+Enter run, P presentation, A show all, Esc leave
 *             presentation, wherever the focus is but in the editor, a text field, the slider or an open menu (ownsKeys).
 * The program editor is assets/editor.js's.
 * Shortcuts press the page's own buttons, so a key and a click always do the same thing.
 *
 * The component ids, speeds, themes and languages are Python's (explorer/app/config.py page_config), handed
 * over in the page's JSON element #explorer-config, which assets/animation.js reads once at load
 * (ExplorerPlayer.config); the animation data is parsed by ExplorerPlayer.meta alone.
 */
(function () {
  "use strict";

  var P = window.ExplorerPlayer;
  var CONFIG = P.config;
  var ID = CONFIG.ids;  /* explorer/app/layout.py ID: ID.GRAPH is "graph", ... */
  var app = window.ExplorerApp = {k: -1, playing: false, clicks: {}, drawn: 0};  // drawn: figures plotly drew

  function graphDiv() {
    return document.querySelector("#" + ID.GRAPH + " .js-plotly-plot");
  }

  function known(lang) {
    return CONFIG.langs.indexOf(lang) >= 0 ? lang : CONFIG.default_lang;
  }

  function noUpdate() {
    return window.dash_clientside.no_update;
  }

  /* --- the highlight: an SVG layer of our own over the plot ------------------------------------------
     ExplorerPlayer.show restyles plotly traces, and plotly then redraws the whole figure: ~300 ms a frame on
     a 500-node graph. Here a frame only replaces a few SVG elements placed with the axes' own scales
     (xaxis.l2p), so it costs well under a millisecond whatever the graph's size; zoom and pan redraw it.
     The look is animation.js's: the box and the edges of the step in the value (forward) or gradient
     (backward) colour, the number above the box, and a backward step's gradients on its edges. */
  function asking() {
    return !!(app.ask && !app.ask.answered);  /* quiz: this step's gradient is the question */
  }

  /* The node labels as known at step k (or all); true when plotly redraws them (and calls us again). */
  function revealLabels(gd, k) {
    return P.revealLabels(gd, asking() ? k - 1 : k, app.all);
  }

  function drawOverlay(gd, k) {
    revealLabels(gd, k);
    P.overlay(gd, k, document.body.classList.contains("theme-" + CONFIG.presentation_theme),
              {all: app.all, ask: asking()});
    if (window.ExplorerEditor) { window.ExplorerEditor.drawMarks(gd); }  /* the editor line's nodes */
  }

  /* --- reveal and quiz modes (explorer/drawing/steps.py, "Reveal as it flows") ---------------------------
     A quiz question stands at each backward step where a node first gets its gradient (its reveal grad_at).
     Going forward stops at the first unanswered one; its numbers stay hidden until it is answered. */
  function isQuestion(meta, j) {
    var s = meta && meta.steps[j];
    return !!(s && s.p === "b" && meta.reveal && meta.reveal[s.n] && meta.reveal[s.n][1] === j);
  }

  function firstOpenQuestion(meta, from, to, answered) {
    for (var j = from + 1; j <= to; j++) {
      if (isQuestion(meta, j) && !answered[String(j)]) { return j; }
    }
    return to;
  }

  /* The caption of a question's step, its numbers hidden. */
  /* Before the first step with the quiz on: what the quiz will ask (explorer/drawing/steps.py quiz_start). */
  function quizStart(lang) {
    var w = CONFIG.words[lang] || CONFIG.words[CONFIG.default_lang];
    return w.quiz_start;
  }

  function askCaption(meta, k, lang) {
    var s = meta.steps[k];
    var masked = Object.assign({}, meta, {steps: meta.steps.slice()});
    masked.steps[k] = {p: s.p, n: s.n, e: [], v: "?", k: s.k, g: []};
    return P.stepCaption(masked, k, lang);
  }

  /* --- the lit node stays in the window ----------------------------------------------------------------
     A graph taller than the window (a readable canvas outside presentation mode) makes the page scroll:
     when the step's node, or the search match Enter went to, is outside the window, the page scrolls to
     put it in the middle. Inside the window nothing moves, so a teacher's own scrolling is left alone. */
  function keepInWindow(gd, box) {
    var ya = gd && gd._fullLayout && gd._fullLayout.yaxis;
    if (!box || !ya || !ya.l2p) { return; }
    var top = gd.getBoundingClientRect().top + ya._offset;
    var a = top + ya.l2p(box[1]), b = top + ya.l2p(box[3]);
    var bar = document.querySelector(".player-bar");  /* stuck to the bottom edge: the graph shows above it */
    var h = Math.min(window.innerHeight, bar ? bar.getBoundingClientRect().top : window.innerHeight);
    var y0 = Math.min(a, b), y1 = Math.max(a, b), margin = 24;
    if (y0 >= margin && y1 <= h - margin) { return; }
    window.scrollBy(0, (y0 + y1) / 2 - h / 2);
  }
  app.keepInWindow = keepInWindow;

  function keepStepInWindow(gd, k) {
    var meta = P.meta(gd), s = meta && meta.steps[k];
    if (s && meta.boxes) { keepInWindow(gd, meta.boxes[s.n]); }
  }

  /* Light up step k on the drawn graph, now. */
  function showNow(k) {
    var gd = graphDiv();
    app.k = k;
    if (gd && gd.layout && gd._fullLayout) {
      hookGraph(gd);
      if (fitCanvas(gd)) { return; }  /* plotly redraws at the new size, and the hook lights the step */
      drawOverlay(gd, k);
      P.fitText(gd);
      keepStepInWindow(gd, k);
    }
  }

  /* --- the graph's canvas: as big as the graph needs to be read ---------------------------------------
     The graph is fitted to the width of its element (whatever the columns beside it make it) and to the
     room in height under it that keeps the timeline and the caption in the window (canvasRoom). A graph of
     up to fit.readable_max_nodes nodes whose text would come out under fit.readable_px gets a taller canvas
     (the page scrolls; outside presentation mode), and a flat one a shorter canvas: the height follows the
     graph. The rule is explorer/drawing/figure.py canvas_fit, which picks the "auto" direction with it; the
     numbers come with the figure (layout.meta.fit). Labels scale with their boxes (ExplorerPlayer.fitText). */
  var MIN_ROOM = 260;  /* px: the least room in height a graph gets, however small the window */
  var MIN_CANVAS = 140;  /* px: the least height of the canvas, however flat the graph */

  function graphElement() {
    return document.getElementById(ID.GRAPH);
  }

  function present() {
    return document.body.classList.contains("present");
  }

  /* {w, h}: the graph element's width, and the height it may take with the timeline and the caption (room
     for three lines in presentation mode) still in the window, the page scrolled to the top. */
  function canvasRoom() {
    var el = graphElement();
    if (!el) { return null; }
    var top = el.getBoundingClientRect().top + window.scrollY;
    var below = 24;  /* the gaps between the graph, the timeline and the caption, and the page's padding */
    var timeline = document.querySelector(".timeline");
    if (timeline) { below += timeline.getBoundingClientRect().height; }
    var cap = document.getElementById(ID.CAPTION);
    if (cap) {
      var style = window.getComputedStyle(cap);
      var line = parseFloat(style.lineHeight) || 1.45 * parseFloat(style.fontSize) || 20;
      var pads = (parseFloat(style.paddingTop) || 0) + (parseFloat(style.paddingBottom) || 0);
      below += Math.max(cap.getBoundingClientRect().height, (present() ? 3 : 2) * line + pads);
    }
    var room = {w: Math.round(el.clientWidth), h: Math.round(Math.max(MIN_ROOM, window.innerHeight - top - below))};
    /* the other mode's room, for the figure the server draws when the mode changes: kept from when the page
       was in it, else guessed from the window (presentation mode: the window's width, and its height less
       the header, the timeline and a caption of three large lines) */
    var kept = app.rooms || (app.rooms = {});
    kept[present() ? "present" : "page"] = room;
    var page = kept.page || {w: room.w, h: room.h};
    var shown = kept.present || {w: window.innerWidth - PRESENT_SIDES, h: Math.max(MIN_ROOM, window.innerHeight - PRESENT_CHROME)};
    return {w: room.w, h: room.h, pw: shown.w, ph: shown.h, page: page};
  }
  var PRESENT_SIDES = 24, PRESENT_CHROME = 290;  /* px, measured at 1280x720 (explorer.css body.present) */

  /* What the server is told (the ID.CANVAS store): the room outside presentation mode {w, h} and in it
     {pw, ph}, whichever mode the page is in now. */
  function canvasStore() {
    var room = canvasRoom();
    if (!room) { return null; }
    return {w: room.page.w, h: room.page.h, pw: room.pw, ph: room.ph};
  }

  /* (zoom, canvas height) for figure fit on a room {w, h}: figure.py canvas_fit, step for step. */
  function canvasFit(fit, room, grow) {
    var w = fit.width, h = fit.height, m = fit.margin, top = fit.top || 0;  /* top: the notes above the graph */
    var roomW = Math.max(1, room.w - 2 * m), roomH = Math.max(1, room.h - 2 * m - top);
    var zoom = Math.min(roomW / w, roomH / h);
    var readable = fit.readable_px / fit.min_font;
    if (grow && fit.nodes <= fit.readable_max_nodes && zoom < readable) {
      zoom = Math.min(roomW / w, readable, (fit.max_canvas - 2 * m - top) / h);
    }
    zoom = Math.min(zoom, fit.max_zoom);
    return [zoom, h * zoom + 2 * m + top];
  }

  /* The axes' ranges that show the whole graph (figure.py fit_meta): they start at fit.x0, fit.y0, which are
     not -pad when the picture is anchored at its output (groups: figure.py output_anchored). */
  function xRange(fit) {
    var x0 = fit.x0 === undefined ? -fit.pad : fit.x0;
    return [x0, x0 + fit.width];
  }

  function yRange(fit) {
    var y0 = fit.y0 === undefined ? -fit.pad : fit.y0;
    return [y0 + fit.height, y0];
  }

  /* Set the graph element's height for the figure drawn in gd; true when it changed (plotly then redraws).
     plotly keeps the axes' ranges at a resize, widened to the plot's old proportions: unless the user has
     zoomed or panned (app.userView), the whole graph is shown again, fitted to the new size. */
  function fitCanvas(gd) {
    var fit = gd && gd.layout && gd.layout.meta && gd.layout.meta.fit;
    var el = graphElement(), room = canvasRoom();
    if (!fit || !el || !room || !window.Plotly) { return false; }
    var height = Math.round(Math.max(MIN_CANVAS, canvasFit(fit, room, !present())[1]));
    if (Math.abs(el.getBoundingClientRect().height - height) < 2) {
      /* the same graph drawn again with other boxes (a new backward choice, ...): plotly's uirevision kept
         the ranges fitted to the old ones, so they are fitted again, unless the user moved the view */
      if (!app.refit || app.userView) { app.refit = false; return false; }
      app.refit = false;
      app.fitting = true;
      window.Plotly.relayout(gd, {"xaxis.range": xRange(fit), "yaxis.range": yRange(fit)})
        .then(function () { app.fitting = false; }, function () { app.fitting = false; });
      return true;
    }
    app.refit = false;
    el.style.setProperty("height", height + "px", "important");
    app.fitting = true;
    window.Plotly.Plots.resize(gd).then(function () {
      if (app.userView) { return null; }
      return window.Plotly.relayout(gd, {"xaxis.range": xRange(fit), "yaxis.range": yRange(fit)});
    }).then(function () { app.fitting = false; }, function () { app.fitting = false; });
    return true;
  }

  /* Did the user move the view (zoom, pan, the toolbar's buttons)? Then a new canvas size, or the same graph
     drawn again (a theme, the language), keeps their view: plotly's uirevision keeps it only while the axes'
     ranges are the figure's own, and fitting the graph to its canvas widens one of them. */
  function userMoved(data) {
    if (app.fitting || !data || isFitted(data)) { return; }
    for (var key in data) {
      if (/^[xy]axis\.(range|autorange)/.test(key)) {
        var gd = graphDiv(), fl = gd && gd._fullLayout;
        app.userView = true;
        app.view = fl ? {x: fl.xaxis.range.slice(), y: fl.yaxis.range.slice()} : null;
        return;
      }
    }
  }

  /* A relayout to the whole graph's ranges (fitCanvas's own, whose event may come after it finished) is not the
     user's move. */
  function isFitted(data) {
    var gd = graphDiv(), fit = gd && gd.layout && gd.layout.meta && gd.layout.meta.fit;
    var x = data["xaxis.range"], y = data["yaxis.range"];
    if (!fit || !x || !y) { return false; }
    var same = function (a, b) { return Math.abs(a[0] - b[0]) < 1e-6 && Math.abs(a[1] - b[1]) < 1e-6; };
    return same(x, xRange(fit)) && same(y, yRange(fit));
  }

  function keepView(gd) {
    app.fitting = true;
    window.Plotly.relayout(gd, {"xaxis.range": app.view.x.slice(), "yaxis.range": app.view.y.slice()})
      .then(function () { app.fitting = false; }, function () { app.fitting = false; });
  }

  /* On a canvas taller than the window the wheel scrolls the page (Ctrl or Cmd + wheel zooms the graph):
     plotly would take every wheel turn over the graph for a zoom, and the page could not be scrolled past it. */
  document.addEventListener("wheel", function (e) {
    var el = graphElement();
    if (!el || e.ctrlKey || e.metaKey || !el.contains(e.target)) { return; }
    if (el.getBoundingClientRect().height > window.innerHeight * 0.9) { e.stopPropagation(); }
  }, {capture: true, passive: true});

  /* A new window size, or a new width of the graph's column (a resizable editor beside it): fit the graph
     again, and tell the server the room (for the next figure's direction). */
  var resizeTimer = null;
  function refitSoon() {
    if (resizeTimer !== null) { clearTimeout(resizeTimer); }
    resizeTimer = setTimeout(function () {
      resizeTimer = null;
      var gd = graphDiv();
      if (gd) { fitCanvas(gd); }
      var room = canvasStore();
      if (room && window.dash_clientside && window.dash_clientside.set_props) {
        window.dash_clientside.set_props(ID.CANVAS, {data: room});
      }
    }, 150);
  }
  window.addEventListener("resize", refitSoon);

  function watchWidth() {
    var el = graphElement();
    if (!el || el._explorerWatched || !window.ResizeObserver) { return; }
    el._explorerWatched = true;
    var width = el.clientWidth;
    new window.ResizeObserver(function () {
      if (Math.abs(el.clientWidth - width) < 2) { return; }  /* its height is ours (fitCanvas) */
      width = el.clientWidth;
      refitSoon();
    }).observe(el);
  }

  /* Redraw the highlight whenever plotly draws: a new figure (Plotly.react), zoom, pan, resize. */
  function hookGraph(gd) {
    watchWidth();
    if (gd._explorerHooked || !gd.on) { return; }
    gd._explorerHooked = true;
    app.revision = gd.layout && gd.layout.uirevision;
    var again = function () {
      if (fitCanvas(gd)) { return; }  /* plotly redraws at the new size, then again */
      if (revealLabels(gd, app.k) || P.labelsForView(gd)) { return; }  /* plotly redraws, then again */
      drawOverlay(gd, app.k);
      P.fitText(gd);
    };
    /* mid-drag plotly only moves its layers: the labels keep their fit, the highlight follows */
    var follow = function () { drawOverlay(gd, app.k); };
    var soon = P.perFrame(follow);
    gd.on("plotly_react", function () {
      app.drawn += 1;
      var revision = gd.layout && gd.layout.uirevision;
      var fit = gd.layout && gd.layout.meta && gd.layout.meta.fit;
      var extent = fit ? [fit.x0, fit.y0, fit.width, fit.height].join(",") : "";
      var moved = app.extent !== undefined && extent !== app.extent;  /* other boxes: a view of them is stale */
      app.extent = extent;
      if (revision !== app.revision) { app.revision = revision; app.userView = false; }  /* another graph */
      else if (moved) { app.userView = false; app.refit = true; }  /* the same program, another graph */
      else if (app.userView && app.view) { keepView(gd); }  /* the same graph redrawn: the user's view stays */
      else { app.refit = true; }  /* the same graph redrawn: fitted again (fitCanvas) */
      setTimeout(again, 0);
    });
    /* dcc.Graph (Dash 4) copies each zoom or pan into its `figure` prop, and a new figure prop makes it draw
       the whole graph again with Plotly.react: each zoom of a 1,000-node graph took two draws (~150 ms each).
       Nothing reads the figure back (uirevision keeps the view when a new figure arrives), so plotly's
       "plotly_relayout" goes to this page's handler only. */
    var emit = gd.emit;
    if (typeof emit === "function") {
      gd.emit = function (name, data) {
        if (name === "plotly_relayout") { userMoved(data); again(data); return undefined; }
        return emit.apply(this, arguments);
      };
    } else {
      gd.on("plotly_relayout", function (data) { userMoved(data); again(data); });
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
       difference, so two presses that Dash delivers in one call still make two steps. A new run (the run's
       spec is set: Run, an example, Enter in an input) starts at the beginning, stopped; a figure redrawn for
       a theme, a direction or a language keeps the step. */
    player: function (first, back, play, fwd, last, tick, slider, figure, lang, spec, showAll, quiz, score, state) {
      var meta = P.meta(figure);
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
      var newFigure = ids.indexOf(ID.GRAPH) >= 0;
      if (d.first) { k = -1; playing = false; }
      if (d.back) { k -= d.back; playing = false; }
      if (d.fwd) { k += d.fwd; playing = false; }
      if (d.last) { k = n - 1; playing = false; }
      if (d.play % 2 === 1) {
        if (playing) { playing = false; }
        else { if (k >= n - 1) { k = -1; } playing = n > 0; }
      }
      if (d.tick && playing && ids.indexOf(ID.TICK) >= 0) { k += 1; }
      if (ids.indexOf(ID.SLIDER) >= 0 && typeof slider === "number" && slider - 1 !== app.k) {
        k = slider - 1; playing = false;
      }
      if (ids.indexOf(ID.SPEC) >= 0) { k = -1; playing = false; }
      k = Math.max(-1, Math.min(n - 1, k));
      var answered = (score && score.answered) || {};
      var quizOn = !!quiz && !showAll;
      if (quizOn && k > app.k && ids.indexOf(ID.SPEC) < 0) {
        var stop = firstOpenQuestion(meta, app.k, k, answered);
        if (stop !== k) { k = stop; playing = false; }
      }
      if (k >= n - 1) { playing = false; }
      if (quizOn && isQuestion(meta, k) && !answered[String(k)]) { playing = false; }
      app.playing = playing;
      var ask = quizOn && isQuestion(meta, k) ?
        {k: k, node: meta.steps[k].n, pass: meta.steps[k].k, answered: !!answered[String(k)]} : null;
      var modes = ids.indexOf(ID.SHOW_ALL) >= 0 || ids.indexOf(ID.QUIZ) >= 0 || ids.indexOf(ID.QUIZ_SCORE) >= 0;
      app.all = !!showAll;
      app.ask = ask;
      if (newFigure) { showWhenDrawn(k); }
      else if (k !== app.k || modes || ids.length === 0) { showNow(k); }
      var caption = !meta ? "" : (ask && !ask.answered ? askCaption(meta, k, known(lang)) :
                                  quizOn && k < 0 ? quizStart(known(lang)) : P.stepCaption(meta, k, known(lang)));
      /* No question before and none now (quiz mode off, most often): the store is left alone, or every step
         of the animation and every run would ask the server for the quiz panel again. */
      var askOut = ask === null && app.askSent === null ? noUpdate() : ask;
      app.askSent = ask;
      return [{k: k, playing: playing}, k + 1, Math.max(n, 1), marks(meta, n), caption, !playing,
              playing ? "❚❚" : "▶", askOut];
    },

    /* The "show all" and quiz buttons look pressed while on. */
    modeButtons: function (showAll, quiz) {
      return ["btn btn-small" + (showAll ? " active" : ""), "btn btn-small" + (quiz ? " active" : "")];
    },

    /* A new run: its questions are new (the score goes on). Nothing answered yet: nothing to change (the quiz
       panel's callback, on the server, reads the score). */
    quizNewRun: function (spec, score) {
      if (score && score.answered && Object.keys(score.answered).length === 0) { return noUpdate(); }
      score = score || {};
      return {right: score.right || 0, asked: score.asked || 0, answered: {}};
    },

    speed: function (value) {
      return CONFIG.speeds[value] || CONFIG.speeds[CONFIG.default_speed];
    },

    /* The language of the button pressed (CONFIG.lang_buttons: button id -> language). */
    setLang: function () {
      var ids = triggeredIds();
      for (var id in CONFIG.lang_buttons) {
        if (ids.indexOf(id) >= 0) { return CONFIG.lang_buttons[id]; }
      }
      return CONFIG.default_lang;
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

    /* The graph's room in the page (canvasRoom), for the server's choice of direction. */
    canvas: function () {
      return canvasStore() || noUpdate();
    },

    /* Classes on <body> for the theme and presentation mode; <html lang>; the active language button. */
    pageClass: function (theme, present, lang) {
      var b = document.body;
      CONFIG.themes.forEach(function (t) { b.classList.remove("theme-" + t); });
      b.classList.remove("present");
      b.classList.add("theme-" + (present ? CONFIG.presentation_theme : (theme || CONFIG.default_theme)));
      if (present) { b.classList.add("present"); }
      lang = known(lang);
      document.documentElement.lang = CONFIG.lang_tags[lang];
      Object.keys(CONFIG.lang_buttons).forEach(function (id) {
        var el = document.getElementById(id);
        if (el) { el.classList.toggle("active", CONFIG.lang_buttons[id] === lang); }
      });
      setTimeout(function () { window.dispatchEvent(new Event("resize")); }, 60);
      return noUpdate();
    },

    /* Put the state in the address bar (no new history entry) and in the share box. */
    share: function (query) {
      if (typeof query !== "string") { return noUpdate(); }
      var url = window.location.pathname + "?" + query;
      try { window.history.replaceState(window.history.state, "", url); } catch (e) { /* file:// etc. */ }
      return window.location.origin + url;
    },

    copyLink: function (n, link) {
      var box = document.getElementById(ID.SHARE_LINK);
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(link).catch(function () {});
      } else if (box) {
        box.select();
        try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
      }
      var btn = document.getElementById(ID.SHARE_COPY);
      setTimeout(function () { if (btn) { btn.className = "btn btn-small"; } }, 1500);
      return "btn btn-small copied";
    },

    /* PNG and SVG straight from the drawn graph (plotly.js's own image export), at the graph's own size (layout
       units are pixels), whatever its size on screen: labels are drawn at their size, and boxes were made
       to hold them. A graph larger than MAX_IMAGE px is drawn smaller, its labels with it. */
    downloadImage: function (png, svg, spec) {
      var gd = graphDiv();
      if (!gd || !window.Plotly) { return noUpdate(); }
      var format = triggeredIds().indexOf(ID.EXPORT_SVG) >= 0 ? "svg" : "png";
      var name = CONFIG.export_prefix + (spec && spec.example ? spec.example : CONFIG.unnamed);
      var lit = app.k >= 0;
      if (lit) { P.show(gd, app.k); }  // the picture shows the step on screen
      var figure = imageFigure(gd);
      var done = function () { if (lit) { P.show(gd, -1); } };
      window.Plotly.downloadImage(figure, {format: format, filename: name, scale: format === "png" ? 2 : 1,
                                           width: figure.layout.width, height: figure.layout.height}).then(done, done);
      return noUpdate();
    }
  };

  var MAX_IMAGE = 4000;  /* px: explorer/drawing/export.py _auto_size's bound */

  /* The figure of gd for an image file: the whole graph (not the user's zoom) at zoom 1, or smaller, labels
     and all, when that would exceed MAX_IMAGE px. */
  function imageFigure(gd) {
    var fit = gd.layout.meta && gd.layout.meta.fit;
    if (!fit) {
      var full = gd._fullLayout || {};
      return {data: gd.data, layout: Object.assign({}, gd.layout, {width: full.width || 1200, height: full.height || 700})};
    }
    var m = fit.margin, top = fit.top || 0;
    var zoom = Math.min(1, (MAX_IMAGE - 2 * m) / fit.width, (MAX_IMAGE - 2 * m - top) / fit.height);
    var em = P.meta(gd);
    /* the gradients on edges, as on screen at the player's step (or, with "show all", the pass's) */
    var xr = xRange(fit), yr = yRange(fit);  /* the picture shows these ranges: labels stay inside them */
    var notes = em ? P.edgeAnnotations(em, app.k, app.all, gd._fullLayout.paper_bgcolor || "#fff", zoom,
                                       [xr[0], yr[0], xr[1], yr[1]]) : [];
    var layout = Object.assign({}, gd.layout, {
      annotations: (gd.layout.annotations || []).concat(notes),
      width: Math.round(fit.width * zoom + 2 * m), height: Math.round(fit.height * zoom + 2 * m + top),
      xaxis: Object.assign({}, gd.layout.xaxis, {range: xr, autorange: false}),
      yaxis: Object.assign({}, gd.layout.yaxis, {range: yr, autorange: false})
    });
    var data = gd.data.map(function (t) {
      if (t.name !== CONFIG.traces.labels) { return t; }
      /* every label, also those a big graph's view had left out (ExplorerPlayer.labelsForView) */
      var font = Object.assign({}, t.textfont, {size: (t.textfont && t.textfont.size || 13) * zoom});
      return Object.assign({}, t, {textfont: font, visible: true, text: t._explorerAll || t.text});
    });
    return {data: data, layout: layout};
  }

  app.show = showNow;  // light up step k (or none, k = -1) on the graph: for benchmarks and the console

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.explorer = clientside;

  /* --- keyboard ---------------------------------------------------------------------------------------- */
  function press(id) {
    var el = document.getElementById(id);
    if (el) { el.click(); }
  }

  /* Input types whose keys are not text editing: the shortcuts win there (after a click on a theme radio,
     ← → step the timeline instead of changing the theme). */
  var NOT_TEXT = {radio: 1, checkbox: 1, button: 1, submit: 1, reset: 1, color: 1, file: 1, image: 1};

  /* The elements that keep their keys: the editor and text fields (where a space is a space), the timeline's
     slider (its own keys step the same timeline) and an open menu (arrows choose an option). Everywhere else
     -- buttons, radio buttons, check boxes, a closed dropdown, the page -- the shortcuts are the page's. */
  function ownsKeys(el) {
    if (!el) { return false; }
    var tag = (el.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "select" || el.isContentEditable) { return true; }
    if (tag === "input") { return !NOT_TEXT[(el.getAttribute("type") || "text").toLowerCase()]; }
    if (!el.closest) { return false; }
    if (el.closest("[role=slider], .slider-wrap")) { return true; }
    /* a dropdown's open menu; not a group of radio buttons or check boxes, which Dash marks as a listbox too */
    var menu = el.closest("[role=listbox], [role=option], [role=menu]");
    if (menu && !menu.closest(".dash-options-list")) { return true; }
    var popup = el.closest("[aria-haspopup]");
    return !!(popup && popup.getAttribute("aria-expanded") === "true");
  }

  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
      e.preventDefault();
      press(ID.RUN);
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var keys = {" ": ID.PLAY, "ArrowRight": ID.FORWARD, "ArrowLeft": ID.BACK, "Home": ID.FIRST,
                "End": ID.LAST, "p": ID.PRESENT_BTN, "P": ID.PRESENT_BTN, "a": ID.SHOW_ALL_BTN,
                "A": ID.SHOW_ALL_BTN};
    if (e.key === "Escape" && document.body.classList.contains("present")) {
      e.preventDefault();
      press(ID.PRESENT_BTN);
      return;
    }
    if (keys[e.key] && !ownsKeys(e.target)) {
      e.preventDefault();
      press(keys[e.key]);
    }
  });
})();
