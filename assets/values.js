/*
 * Autograd Explorer: the text of a figure written in the page from its numbers (explorer/drawing/compact.py).
 *
 * A figure the app sends carries each value and gradient once, as numbers, in layout.meta.explorer.table; this
 * writes what Python used to: the node labels, the hover texts and the steps' value and gradient texts. It
 * mirrors explorer/drawing/text.py (number, value_short, value_long) and explorer/drawing/figure.py
 * (hover_text, node_text's markup) exactly; tests/test_golden_text.py runs this very file (with node) on
 * every gallery example and compares with the text the figures showed before.
 *
 * Every number is written with the figure's significant digits, table.digits (explorer/choices.py DIGITS: the
 * page's "Digits" control; 4 when a figure does not say): the server draws the figure again for another count,
 * since its boxes are sized to hold the text.
 *
 * Pure: no page needed (window.ExplorerValues in a browser, module.exports under node).
 */
(function (root) {
  "use strict";

  /* --- numbers: text.py number() ---------------------------------------------------------------------- */

  /* The p significant digits of |x| (finite, not 0), rounded half to even as Python's format does (JavaScript
     rounds a tie away from zero): [digits, decimal exponent of the first digit]. */
  function roundDigits(x, p) {
    var s = x.toExponential(p - 1);
    var more = x.toExponential(p);  /* one digit more: a tie shows as a last digit 5 */
    var m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(more);
    var digits = m[1] + (m[2] || "");
    if (digits.charAt(p) === "5" && exactTie(x, p)) {
      var down = digits.slice(0, p), last = +down.charAt(p - 1);
      if (last % 2 === 0) { return [down, +m[3]]; }
    }
    var r = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
    return [r[1] + (r[2] || ""), +r[3]];
  }

  /* Is x exactly halfway between two numbers of p significant digits? Only then do JavaScript's and Python's
     roundings differ. Decided exactly, from x's binary mantissa and exponent (BigInt). */
  function exactTie(x, p) {
    var view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    var hi = view.getUint32(0), lo = view.getUint32(4);
    var exp = (hi >>> 20) & 0x7ff;
    var mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    if (exp === 0) { exp = 1; } else { mant |= 1n << 52n; }
    exp -= 1075;  /* x = mant * 2^exp */
    var digits;
    if (exp >= 0) { digits = (mant << BigInt(exp)).toString(); }
    else { digits = (mant * 5n ** BigInt(-exp)).toString(); }  /* x * 10^-exp, exactly */
    digits = digits.replace(/0+$/, "").replace(/^0+/, "");
    return digits.length === p + 1 && digits.charAt(p) === "5";
  }

  /* Python's f"{x:.{p}g}" of a finite x. */
  function formatG(x, p) {
    if (x === 0) { return (1 / x < 0 ? "-" : "") + "0"; }
    var sign = x < 0 ? "-" : "", r = roundDigits(Math.abs(x), p), d = r[0], e = r[1], out;
    if (e >= -4 && e < p) {
      if (e >= 0) { out = d.slice(0, e + 1) + (d.length > e + 1 ? "." + d.slice(e + 1) : ""); }
      else { out = "0." + "0".repeat(-e - 1) + d; }
      if (out.indexOf(".") >= 0) { out = out.replace(/0+$/, "").replace(/\.$/, ""); }
      return sign + out;
    }
    var mant = d.charAt(0) + (d.length > 1 ? "." + d.slice(1) : "");
    if (mant.indexOf(".") >= 0) { mant = mant.replace(/0+$/, "").replace(/\.$/, ""); }
    return sign + mant + exponent(e);
  }

  /* Python's f"{x:.{p - 1}e}" of a finite x. */
  function formatE(x, p) {
    if (x === 0) { return (1 / x < 0 ? "-" : "") + "0." + "0".repeat(p - 1) + "e+00"; }
    var sign = x < 0 ? "-" : "", r = roundDigits(Math.abs(x), p), d = r[0];
    return sign + d.charAt(0) + (p > 1 ? "." + d.slice(1) : "") + exponent(r[1]);
  }

  function exponent(e) {
    var a = Math.abs(e);
    return "e" + (e < 0 ? "-" : "+") + (a < 10 ? "0" : "") + a;
  }

  var DEFAULT_DIGITS = 4;  /* explorer/choices.py DEFAULT_DIGITS: a figure's table that names none */

  /* text.py number() of a float: 3.3333334922790527 -> "3.333"; 17200.0 -> "1.720e+04"; nan -> "nan". */
  function number(x, digits) {
    digits = digits || DEFAULT_DIGITS;
    if (x !== x) { return "nan"; }
    if (x === Infinity) { return "inf"; }
    if (x === -Infinity) { return "-inf"; }
    if (x === 0) { return "0"; }
    var a = Math.abs(x);
    if (a >= 1e5 || a < 1e-3) { return formatE(x, digits); }
    return formatG(x, digits);
  }

  /* One element of a value, as text.py writes it: a float, an int, a bool. */
  function element(x, kind, digits) {
    if (kind === "i") { return String(x); }
    if (kind === "b") { return x ? "True" : "False"; }
    return number(x, digits);
  }

  /* --- values: text.py value_short, value_long ----------------------------------------------------------
     A value here: {shape, list: the data is a list, flat: its elements, kind: "f" | "i" | "b"} from the
     table, or {pre: [short, long]} for one Python wrote itself (a summary of a big tensor, a complex one). */

  function shapeText(shape) { return shape && shape.length ? shape.join("×") : "scalar"; }

  function joined(v, n, digits) {
    var out = [], end = n === undefined ? v.flat.length : Math.min(n, v.flat.length);
    for (var i = 0; i < end; i++) { out.push(element(v.flat[i], v.kind, digits)); }
    return out.join(", ");
  }

  function fill(template, args) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return args[k]; });
  }

  var SHORT_ELEMENTS = 4, LONG_ELEMENTS = 16;

  function prod(shape) { var n = 1; for (var i = 0; i < shape.length; i++) { n *= shape[i]; } return n; }

  function valueShort(v, words, digits) {
    if (!v) { return ""; }
    if (v.pre) { return v.pre[0]; }
    if (!v.list) { return element(v.flat[0], v.kind, digits); }
    if (prod(v.shape) > SHORT_ELEMENTS) { return fill(words.shape, {shape: shapeText(v.shape)}); }
    var inner = joined(v, undefined, digits);
    return v.shape.length <= 1 ? "[" + inner + "]" : "[" + inner + "] (" + shapeText(v.shape) + ")";
  }

  function valueLong(v, words, digits) {
    if (!v) { return "—"; }
    if (v.pre) { return v.pre[1]; }
    if (!v.list) { return element(v.flat[0], v.kind, digits); }
    var more = v.flat.length > LONG_ELEMENTS ? ", … (" + fill(words.in_all, {n: v.flat.length}) + ")" : "";
    return "[" + joined(v, LONG_ELEMENTS, digits) + more + "]";
  }

  /* --- the table -------------------------------------------------------------------------------------- */

  function floats(spec) {
    if (!spec || !spec.bdata) { return spec || []; }
    var raw = typeof atob === "function" ? atob(spec.bdata) : Buffer.from(spec.bdata, "base64").toString("binary");
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return spec.dtype === "f4" ? new Float32Array(bytes.buffer) : new Float64Array(bytes.buffer);
  }

  /* The table's values, each {shape, list, flat, kind} (or a dict's, fromDict). */
  function values(table) {
    if (table._values) { return table._values; }
    var nums = floats(table.nums), out = [], pos = 0;
    for (var i = 0; i < table.count.length; i++) {
      var n = table.count[i], kind = table.kind.charAt(i), shape = table.shapes[table.shape[i]];
      if (kind === "x") { out.push({pre: table.other[String(i)]}); }
      else {
        var lower = kind.toLowerCase();
        out.push({shape: shape, list: kind === lower, flat: Array.prototype.slice.call(nums, pos, pos + n), kind: lower});
      }
      pos += n;
    }
    Object.defineProperty(table, "_values", {value: out, enumerable: false});
    return out;
  }

  function esc(s) { return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }

  /* text.py wrap_list: lines of at most `width` characters, broken only after ", " (the comma kept). */
  var HOVER_LINE_CHARS = 60;  /* figure.py HOVER_LINE_CHARS */
  function wrapList(words, width) {
    if (words.length <= width) { return [words]; }
    var pieces = words.split(", "), lines = [], line = pieces[0];
    for (var i = 1; i < pieces.length; i++) {
      if (line.length + 2 + pieces[i].length <= width) { line += ", " + pieces[i]; }
      else { lines.push(line + ","); line = pieces[i]; }
    }
    lines.push(line);
    return lines;
  }

  /* A value's long text in a hover label: escaped, wrapped (plotly never wraps a hover label), its lines after
     the first begun with HOVER_MORE (figure.py: animation.js hoverAt keeps them with the line before). */
  var HOVER_MORE = "\u00a0\u00a0";
  function hoverValue(words) { return wrapList(words, HOVER_LINE_CHARS).map(esc).join("<br>" + HOVER_MORE); }

  /* A compact meta's steps with their texts (steps.py format): v and g are value index + 1 (0: none). */
  function expand(meta) {
    var t = meta && meta.table;
    if (!t || meta._expanded) { return meta; }
    var vals = values(t), words = t.words, digits = t.digits;
    var short = function (i) { return i > 0 ? valueShort(vals[i - 1], words, digits) : ""; };
    meta.steps = meta.steps.map(function (s) {
      var out = {p: s.p, n: s.n, e: s.e, v: short(s.v)};
      if (s.p === "b") { out.k = s.k; out.g = (s.g || []).map(short); }
      return out;
    });
    Object.defineProperty(meta, "_expanded", {value: true, enumerable: false});
    return meta;
  }

  /* Every node's label, in the order of table.nodes.ids: figure.py node_text's markup. */
  function labels(meta) {
    var t = meta.table, vals = values(t), words = t.words, st = t.style, strings = t.strings;
    var small = "<span style='" + st.small;
    function line(kind, words_) {
      if (kind === "b") { return "<b>" + esc(words_) + "</b>"; }
      var color = kind === "v" ? ";color:" + st.value : kind === "g" ? ";color:" + st.grad
                : kind === "m" && st.muted ? ";color:" + st.muted : "";  /* m: torch's name under a compact title */
      return small + color + "'>" + esc(words_) + "</span>";
    }
    return t.nodes.label.map(function (spec) {
      var out = [];
      spec.forEach(function (item) {
        if (typeof item === "number") { var s = strings[item]; out.push(line(s.charAt(0), s.slice(1))); return; }
        var kind = item[0], text = valueShort(vals[item[1]], words, t.digits);
        if (kind === "g") { text = words.grad + " " + text; }
        if (item.length <= 2) { out.push(line(kind, text)); return; }
        var pos = 0;
        for (var i = 2; i < item.length; i++) {
          out.push(line(kind, text.slice(pos, pos + item[i]).replace(/\s+$/, "")));
          pos += item[i];
        }
      });
      return out.join("<br>");
    });
  }

  /* Every node's hover text, in the order of table.nodes.ids: figure.py hover_text. */
  function hovers(meta) {
    var t = meta.table, n = t.nodes, vals = values(t), w = t.words, strings = t.strings;
    return n.ids.map(function (id, i) {
      var parts = ["<b>" + esc(meta.titles[id]) + "</b>"];
      if (n.name[i] >= 0) { parts.push(w.variable + ": " + esc(strings[n.name[i]])); }
      var shape = n.shape[i] >= 0 ? shapeText(t.shapes[n.shape[i]]) : w.scalar;
      parts.push(w.shape_word + ": " + shape + " · " + strings[n.dtype[i]]);
      parts.push(w.value + ": " + hoverValue(valueLong(n.value[i] >= 0 ? vals[n.value[i]] : null, w, t.digits)));
      if (n.grad[i] !== -1) {
        parts.push(w.grad + ": " + hoverValue(valueLong(n.grad[i] >= 0 ? vals[n.grad[i]] : null, w, t.digits)));
      }
      if (n.line[i] >= 0) { parts.push(fill(w.line, {n: n.line[i]}) + ": " + esc(strings[n.src[i]])); }
      if (n.made[i] >= 0) { parts.push(fill(w.made, {k: n.made[i] + 1})); }
      var text = parts.join("<br>");
      if (n.more && n.more[String(i)] !== undefined) { text += "<br>" + n.more[String(i)]; }
      return text;
    });
  }

  var api = {number: number, formatG: formatG, formatE: formatE, valueShort: valueShort, valueLong: valueLong,
             values: values, expand: expand, labels: labels, hovers: hovers, wrapList: wrapList};
  if (typeof module === "object" && module.exports) { module.exports = api; }
  else { root.ExplorerValues = api; }
})(typeof window !== "undefined" ? window : this);
