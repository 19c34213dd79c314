/*
 * The program editor: CodeMirror 6 (assets/vendor/codemirror.min.js, the global ExplorerCodeMirror) with line
 * numbers, Python highlighting (classes tok-keyword, tok-string, ... styled in explorer.css), soft wrap and
 * undo, mounted in #code-editor. explorer/app/editor.py is the Python side.
 *
 * The callbacks read and write the program as the `value` of the hidden dcc.Textarea #editor, as before:
 *   code editor -> #editor   a moment (SYNC_MS) after typing stops, and at once before Run is pressed (a
 *                            click or Ctrl+Enter, which presses the button) or when the editor loses focus;
 *                            through window.dash_clientside.set_props, so no callback sees each keystroke
 *   #editor -> code editor   the clientside callback `sync` below: a value the server set (the boot from a
 *                            link, a gallery example) replaces the editor's text; our own echo is ignored
 * The same callback marks the error's line, takes each figure's node spans (layout.meta.spans) and marks
 * the selected node's text (graph -> code). Moving the cursor to a line outlines, over the graph, the nodes
 * that line made (code -> graph): an SVG layer of our own, redrawn with app.js's highlight (drawMarks).
 *
 * A change that would make the program longer than the server takes (CONFIG.editor.max_chars, the server's
 * own limit) is refused here, with a message in the page's language: nothing over the limit is ever sent.
 * The column's width follows the drag handle #editor-resize and is remembered in this browser.
 * Keys: Ctrl+Enter is left to app.js (it presses Run); the timeline's keys do nothing here, since app.js
 * leaves keys to editable elements.
 */
(function () {
  "use strict";

  var P = window.ExplorerPlayer;
  var CONFIG = P.config;
  var ID = CONFIG.ids;
  var WORDS = CONFIG.editor.words;
  var MAX_CHARS = CONFIG.editor.max_chars;
  var SYNC_MS = 250;          /* copy the text to #editor this long after the last keystroke */
  var MAX_MARKS = 1500;       /* outline at most this many nodes of one line (a loop's line makes many) */
  var WIDTH_KEY = "explorer-editor-width";
  var MIN_WIDTH = 280;
  var SVG_NS = "http://www.w3.org/2000/svg";

  var ed = window.ExplorerEditor = {
    view: null,
    sent: null,        /* the text last copied to #editor (its echo through `sync` is ignored) */
    dirty: false,      /* typed since that copy */
    timer: null,
    pending: null,     /* a value the server set before the code editor was mounted */
    placeholderText: "",
    spans: {},         /* node id -> [line, col, end_line, end_col] of the figure on screen */
    byLine: {},        /* line -> [node id, ...] */
    spansSource: null, /* the program those spans belong to */
    edited: true,      /* the text differs from spansSource: spans no longer say where things are */
    lineNodes: [],     /* nodes outlined over the graph (code -> graph) */
    line: 0,
    lang: null,        /* the page's language (the language store) */
    refused: 0         /* how many changes the size limit refused (for tests and benchmarks) */
  };

  function cmReady() {
    return !!window.ExplorerCodeMirror;
  }

  function lang() {
    return CONFIG.langs.indexOf(ed.lang) >= 0 ? ed.lang : CONFIG.default_lang;
  }

  function words(name, fill) {
    var text = (WORDS[lang()] || WORDS[CONFIG.default_lang])[name];
    Object.keys(fill || {}).forEach(function (k) { text = text.split("{" + k + "}").join(fill[k]); });
    return text;
  }

  /* Characters as Python counts them (code points): a JavaScript string counts a character outside the
     Basic Multilingual Plane twice. Only called when the UTF-16 length is over the limit. */
  function codePoints(text) {
    var pairs = text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g);
    return text.length - (pairs ? pairs.length : 0);
  }

  function refuse(chars) {
    ed.refused += 1;
    showMessage(words("too_long", {n: chars.toLocaleString("en-US"), limit: MAX_CHARS.toLocaleString("en-US")}));
  }

  /* A column in code points (the trace's spans) as an offset in the line's UTF-16 text. */
  function utf16Col(text, col) {
    var i = 0;
    for (var c = 0; c < col && i < text.length; c++) {
      var code = text.charCodeAt(i);
      i += (code >= 0xD800 && code <= 0xDBFF && i + 1 < text.length) ? 2 : 1;
    }
    return Math.min(i, text.length);
  }

  function showMessage(text) {
    var box = document.getElementById(ID.EDITOR_MSG);
    if (box) { box.textContent = text; box.classList.toggle("shown", !!text); }
  }

  /* --- the code editor ------------------------------------------------------------------------------- */
  var cm, setError, setSpan, marks, placeholderSlot, labelSlot;

  function buildExtensions() {
    cm = window.ExplorerCodeMirror;
    setError = cm.StateEffect.define();  /* a 1-based line, or 0 for none */
    setSpan = cm.StateEffect.define();   /* {from, to}, or null */
    var errorLine = cm.Decoration.line({"class": "cm-error-line"});
    var spanMark = cm.Decoration.mark({"class": "cm-node-span"});
    var ErrorMarker = class extends cm.GutterMarker {};
    ErrorMarker.prototype.elementClass = "error-line";
    var errorMarker = new ErrorMarker();

    /* The error's line (a line class and its number marked) and the selected node's text; both follow edits. */
    marks = cm.StateField.define({
      create: function () { return {error: cm.Decoration.none, gutter: cm.RangeSet.empty, span: cm.Decoration.none}; },
      update: function (v, tr) {
        if (tr.docChanged) {
          v = {error: v.error.map(tr.changes), gutter: v.gutter.map(tr.changes), span: v.span.map(tr.changes)};
        }
        tr.effects.forEach(function (e) {
          if (e.is(setError)) {
            var ok = e.value >= 1 && e.value <= tr.state.doc.lines;
            var at = ok ? tr.state.doc.line(e.value).from : 0;
            v = {error: ok ? cm.Decoration.set([errorLine.range(at)]) : cm.Decoration.none,
                 gutter: ok ? cm.RangeSet.of([errorMarker.range(at)]) : cm.RangeSet.empty, span: v.span};
          } else if (e.is(setSpan)) {
            var r = e.value;
            v = {error: v.error, gutter: v.gutter,
                 span: r && r.to > r.from ? cm.Decoration.set([spanMark.range(r.from, r.to)]) : cm.Decoration.none};
          }
        });
        return v;
      },
      provide: function (f) {
        return [cm.EditorView.decorations.from(f, function (v) { return v.error; }),
                cm.EditorView.decorations.from(f, function (v) { return v.span; }),
                cm.lineNumberMarkers.from(f, function (v) { return v.gutter; })];
      }
    });

    /* Nothing longer than the server takes gets in: a paste, a drop, typing, an undo. Our own setText (the
       server's value) passes, and so does any change that does not make the program longer. */
    var sizeLimit = cm.EditorState.transactionFilter.of(function (tr) {
      if (!tr.docChanged || tr.isUserEvent("explorer.set")) { return tr; }
      var n = tr.newDoc.length;
      if (n <= MAX_CHARS || n <= tr.startState.doc.length) { return tr; }
      var chars = codePoints(tr.newDoc.toString());
      if (chars <= MAX_CHARS) { return tr; }
      refuse(chars);
      return [];
    });

    /* A paste too long is refused before CodeMirror splits it into lines (a 3 MB paste is 500,000 of them):
       the program's length after it, from the pasted string alone. Others go on to CodeMirror. */
    function pasteTooLong(event, view) {
      var data = event.clipboardData;
      var text = data ? data.getData("text/plain") : "";
      var st = view.state;
      if (!text || st.doc.length + text.length <= MAX_CHARS) { return false; }
      var before = codePoints(st.doc.toString());
      var replaced = 0;
      st.selection.ranges.forEach(function (r) { replaced += codePoints(st.sliceDoc(r.from, r.to)); });
      var chars = before - replaced + codePoints(text.replace(/\r\n?/g, "\n"));
      if (chars <= MAX_CHARS || chars <= before) { return false; }  /* (the filter above checks the rest) */
      event.preventDefault();
      refuse(chars);
      return true;
    }

    /* Ctrl+Enter is app.js's (it presses Run): take it out of CodeMirror's keys, which would add a line. */
    var keys = cm.defaultKeymap.filter(function (b) { return b.key !== "Mod-Enter"; });

    placeholderSlot = new cm.Compartment();
    labelSlot = new cm.Compartment();
    return [
      cm.lineNumbers(),
      cm.highlightActiveLineGutter(),
      cm.highlightSpecialChars(),
      cm.history(),
      cm.drawSelection(),
      cm.indentOnInput(),
      cm.bracketMatching(),
      cm.highlightActiveLine(),
      cm.syntaxHighlighting(cm.classHighlighter),
      cm.python(),
      cm.indentUnit.of("    "),
      cm.EditorState.tabSize.of(4),
      cm.EditorView.lineWrapping,
      cm.keymap.of(keys.concat(cm.historyKeymap, [cm.indentWithTab])),
      cm.EditorView.contentAttributes.of({spellcheck: "false", autocapitalize: "off", autocorrect: "off"}),
      labelSlot.of(label()),
      placeholderSlot.of(cm.placeholder(ed.placeholderText)),
      marks,
      sizeLimit,
      cm.EditorView.updateListener.of(onUpdate),
      cm.EditorView.domEventHandlers({
        paste: pasteTooLong,
        blur: function () { flush(); clearLineNodes(); return false; },
        focus: function () { scheduleLineNodes(); return false; }
      })
    ];
  }

  function label() {
    return cm.EditorView.contentAttributes.of({"aria-label": words("label")});
  }

  function onUpdate(u) {
    if (u.docChanged) {
      ed.edited = true;  /* until the text is the program of the figure again (stale) */
      var ours = u.transactions.every(function (tr) { return !tr.docChanged || tr.isUserEvent("explorer.set"); });
      if (!ours) {
        ed.dirty = true;
        schedule();
        showMessage("");
      }
    }
    if (u.docChanged || u.selectionSet || u.focusChanged) { scheduleLineNodes(); }
  }

  /* Mount the code editor in #code-editor (again, if Dash drew a new one), once the bundle has loaded. */
  function ensure() {
    var host = document.getElementById(ID.CODE_EDITOR);
    if (!host || !cmReady()) { return null; }
    if (ed.view && host.contains(ed.view.dom)) { return ed.view; }
    var text = ed.pending !== null ? ed.pending : (ed.view ? ed.view.state.doc.toString() : "");
    if (ed.view) { ed.view.destroy(); }
    var extensions = cm ? null : buildExtensions();
    ed.view = new cm.EditorView({
      state: cm.EditorState.create({doc: text, extensions: extensions || ed.extensions}),
      parent: host
    });
    ed.extensions = extensions || ed.extensions;
    if (ed.pending !== null) { ed.sent = ed.pending; ed.pending = null; }
    restoreWidth();
    return ed.view;
  }

  function whenMounted(tries) {
    if (ensure()) { return; }
    if ((tries || 0) < 800) { setTimeout(function () { whenMounted((tries || 0) + 1); }, 25); }
  }

  /* The server's value: replace the whole text (undo brings the old one back). */
  function setText(value) {
    var view = ensure();
    clearTimeout(ed.timer);
    ed.timer = null;
    ed.dirty = false;
    ed.sent = value;
    if (!view) { ed.pending = value; return; }
    if (view.state.doc.toString() === value) { return; }
    view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: value}, selection: {anchor: 0},
                   userEvent: "explorer.set", scrollIntoView: true});
  }

  function schedule() {
    clearTimeout(ed.timer);
    ed.timer = setTimeout(flush, SYNC_MS);
  }

  /* Copy the text to #editor now (Run reads it from there). */
  function flush() {
    clearTimeout(ed.timer);
    ed.timer = null;
    if (!ed.view || !ed.dirty) { return; }
    var text = ed.view.state.doc.toString();
    ed.dirty = false;
    ed.sent = text;
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(ID.EDITOR, {value: text});
    }
  }

  /* Before Run's own click handler (this listener captures): a click, or Ctrl+Enter, which clicks it. */
  document.addEventListener("click", function (e) {
    if (e.target && e.target.closest && e.target.closest("#" + ID.RUN)) { flush(); }
  }, true);

  /* --- spans: code <-> graph ---------------------------------------------------------------------------- */

  function takeSpans(figure, spec) {
    var raw = figure && figure.layout && figure.layout.meta && figure.layout.meta.spans;
    var spans = {};
    try { spans = typeof raw === "string" ? JSON.parse(raw) : (raw || {}); } catch (e) { spans = {}; }
    var m = P.meta(figure);
    var shown = m ? m.boxes : {};
    var byLine = {};
    Object.keys(spans).forEach(function (nid) {
      if (!shown[nid]) { return; }
      var s = spans[nid];
      for (var l = s[0]; l <= s[2]; l++) { (byLine[l] = byLine[l] || []).push(nid); }
    });
    ed.spans = spans;
    ed.byLine = byLine;
    ed.spansSource = spec && typeof spec.source === "string" ? spec.source : null;
    ed.edited = !ed.view || ed.view.state.doc.toString() !== ed.spansSource;
  }

  /* Do the figure's spans no longer say where things are in the text? (After an edit, until the next run,
     or until undo brings the text back to the program that ran.) */
  function stale() {
    var view = ed.view;
    if (ed.edited && view && ed.spansSource !== null && view.state.doc.length === ed.spansSource.length) {
      ed.edited = view.state.doc.toString() !== ed.spansSource;
    }
    return ed.edited;
  }

  /* graph -> code: mark the selected node's text, and bring it into view (the focus stays where it is). */
  function markSelected(selected) {
    var view = ed.view;
    if (!view) { return; }
    var s = selected && selected.node ? ed.spans[selected.node] : null;
    var range = null;
    if (s && !stale() && s[0] >= 1 && s[2] <= view.state.doc.lines) {
      var a = view.state.doc.line(s[0]), b = view.state.doc.line(s[2]);
      range = {from: a.from + utf16Col(a.text, s[1]), to: b.from + utf16Col(b.text, s[3] === null ? b.length : s[3])};
    }
    var effects = [setSpan.of(range)];
    if (range) { effects.push(cm.EditorView.scrollIntoView(range.from, {y: "nearest"})); }
    view.dispatch({effects: effects});
  }

  var lineTimer = null;
  function scheduleLineNodes() {
    if (lineTimer) { return; }
    lineTimer = setTimeout(function () { lineTimer = null; updateLineNodes(); }, 30);
  }

  /* code -> graph: the nodes made by the cursor's line, while the editor has the focus and its text is the
     program on screen. */
  function updateLineNodes() {
    var view = ed.view;
    var nodes = [], line = 0;
    if (view && view.hasFocus && !stale()) {
      line = view.state.doc.lineAt(view.state.selection.main.head).number;
      nodes = ed.byLine[line] || [];
    }
    if (line === ed.line && nodes === ed.lineNodes) { return; }
    ed.line = line;
    ed.lineNodes = nodes;
    var gd = document.querySelector("#" + ID.GRAPH + " .js-plotly-plot");
    if (gd) { drawMarks(gd); }
  }

  function clearLineNodes() {
    ed.line = 0;
    ed.lineNodes = [];
    var gd = document.querySelector("#" + ID.GRAPH + " .js-plotly-plot");
    if (gd) { drawMarks(gd); }
  }

  /* The outlines of ed.lineNodes, in their own SVG layer over the plot (placed like app.js's highlight,
     with the axes' own scales); app.js calls this again whenever plotly draws, zooms or pans. */
  function drawMarks(gd) {
    var container = gd && gd.querySelector(".svg-container");
    if (!container || (!ed.lineNodes.length && !container.querySelector("svg.explorer-linemarks"))) { return; }
    var svg = P.svgLayer(gd, "explorer-linemarks");  /* made on first use, sized to the plot area */
    if (!svg) { return; }
    var fl = gd._fullLayout;
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    svg.setAttribute("data-line", String(ed.line));
    svg.setAttribute("data-count", String(ed.lineNodes.length));
    var m = P.meta(gd);
    if (!m || !ed.lineNodes.length) { return; }
    var xa = fl.xaxis, ya = fl.yaxis;
    var n = Math.min(ed.lineNodes.length, MAX_MARKS);
    for (var i = 0; i < n; i++) {
      var b = m.boxes[ed.lineNodes[i]];
      if (!b) { continue; }
      var x0 = Math.min(xa.l2p(b[0]), xa.l2p(b[2])), x1 = Math.max(xa.l2p(b[0]), xa.l2p(b[2]));
      var y0 = Math.min(ya.l2p(b[1]), ya.l2p(b[3])), y1 = Math.max(ya.l2p(b[1]), ya.l2p(b[3]));
      var r = document.createElementNS(SVG_NS, "rect");
      r.setAttribute("x", x0 - 4);
      r.setAttribute("y", y0 - 4);
      r.setAttribute("width", x1 - x0 + 8);
      r.setAttribute("height", y1 - y0 + 8);
      r.setAttribute("rx", 5);
      r.setAttribute("class", "line-node");
      r.setAttribute("data-node", ed.lineNodes[i]);
      svg.appendChild(r);
    }
  }

  /* --- the column's width --------------------------------------------------------------------------------- */

  function main() { return document.querySelector(".app-main"); }

  function setWidth(px, keep) {
    var el = main();
    if (!el) { return; }
    var max = Math.max(MIN_WIDTH, window.innerWidth - 420);
    var w = Math.round(Math.max(MIN_WIDTH, Math.min(max, px)));
    el.style.setProperty("--left-width", w + "px");
    if (keep) {
      try { window.localStorage.setItem(WIDTH_KEY, String(w)); } catch (e) { /* storage blocked */ }
    }
  }

  function restoreWidth() {
    var kept = null;
    try { kept = window.localStorage.getItem(WIDTH_KEY); } catch (e) { /* storage blocked */ }
    if (kept && isFinite(Number(kept))) { setWidth(Number(kept), false); }
  }

  function relayoutGraph() {
    window.dispatchEvent(new Event("resize"));  /* plotly fits the graph to its new width */
  }

  document.addEventListener("pointerdown", function (e) {
    var handle = e.target && e.target.closest && e.target.closest("#" + ID.EDITOR_RESIZE);
    if (!handle || e.button !== 0) { return; }
    e.preventDefault();
    var panel = handle.parentElement;
    var left = panel.getBoundingClientRect().left;
    document.body.classList.add("resizing");
    function move(ev) { setWidth(ev.clientX - left, false); }
    function up(ev) {
      document.removeEventListener("pointermove", move);
      document.removeEventListener("pointerup", up);
      document.body.classList.remove("resizing");
      setWidth(ev.clientX - left, true);
      relayoutGraph();
    }
    document.addEventListener("pointermove", move);
    document.addEventListener("pointerup", up);
  });

  /* ← → on the focused handle: 20 px a press (and not a step of the timeline). */
  document.addEventListener("keydown", function (e) {
    if (!e.target || e.target.id !== ID.EDITOR_RESIZE) { return; }
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") { return; }
    e.preventDefault();
    e.stopPropagation();
    var panel = e.target.parentElement;
    setWidth(panel.getBoundingClientRect().width + (e.key === "ArrowRight" ? 20 : -20), true);
    relayoutGraph();
  }, true);

  /* --- the callback ------------------------------------------------------------------------------------------ */

  function triggered() {
    var c = window.dash_clientside.callback_context;
    return (c && c.triggered || []).map(function (t) { return t.prop_id; });
  }

  var clientside = {
    /* The program's value, the placeholder, the error, a new figure, the selected node, the language:
       whichever changed. */
    sync: function (value, placeholderText, error, figure, selected, language, spec) {
      var what = triggered();
      var all = what.length === 0 || what[0] === ".";  /* the first call: everything */
      function is(prop) { return all || what.indexOf(prop) >= 0; }
      ed.lang = language;
      var view = ensure();
      if (view && is(ID.LANG + ".data")) { view.dispatch({effects: labelSlot.reconfigure(label())}); }
      if (is(ID.EDITOR + ".value") && typeof value === "string" && value !== ed.sent) { setText(value); }
      view = ensure();
      if (is(ID.EDITOR + ".placeholder") && typeof placeholderText === "string") {
        ed.placeholderText = placeholderText;
        if (view) { view.dispatch({effects: placeholderSlot.reconfigure(cm.placeholder(placeholderText))}); }
      }
      if (is(ID.GRAPH + ".figure")) {
        takeSpans(figure, spec);
        scheduleLineNodes();
      }
      if (view && (is(ID.EDITOR + ".value") || is(ID.ERROR + ".data"))) {
        var line = error && typeof error.line === "number" ? error.line : 0;
        var effects = [setError.of(line)];
        if (line >= 1 && line <= view.state.doc.lines && is(ID.ERROR + ".data")) {
          effects.push(cm.EditorView.scrollIntoView(view.state.doc.line(line).from, {y: "nearest"}));
        }
        view.dispatch({effects: effects});
      }
      if (view && (is(ID.SELECTED + ".data") || is(ID.GRAPH + ".figure"))) { markSelected(selected); }
      return window.dash_clientside.no_update;
    }
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.explorer_editor = clientside;

  ed.flush = flush;
  ed.drawMarks = drawMarks;
  ed.setWidth = setWidth;
  ed.text = function () { return ed.view ? ed.view.state.doc.toString() : null; };
  whenMounted(0);
})();
