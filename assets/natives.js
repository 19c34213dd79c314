/*
 * The browser's own parseFloat, parseInt and String.prototype.trim, back in place for plotly.
 *
 * Dash's page loads @babel/polyfill 7 (core-js 2), which swaps parseFloat, parseInt, Number.parseFloat,
 * Number.parseInt and String.prototype.trim / trimStart / trimEnd for JavaScript versions in every current
 * browser: its feature test counts U+180E as white space, which Unicode stopped doing in 2013, so the native
 * functions "fail" it. plotly parses a colour with parseFloat or parseInt for each element it styles, and
 * each call then trims its text with a regular expression: on a 1,000-node graph that was about 0.5 s of a
 * 2.4 s draw. The native functions come from a hidden blank frame of this page, whose globals core-js never
 * touched; they differ from the replacements only on U+180E. Where anything is missing, nothing changes.
 */
(function () {
  "use strict";

  var frame = document.createElement("iframe");
  frame.style.display = "none";
  frame.setAttribute("aria-hidden", "true");
  frame.tabIndex = -1;
  (document.body || document.documentElement).appendChild(frame);
  var own = frame.contentWindow;
  if (!own || !own.String || !own.Number) { return; }

  function restore(target, name, native) {
    if (typeof native !== "function" || target[name] === native) { return; }
    var d = Object.getOwnPropertyDescriptor(target, name);
    if (d && !d.configurable && !d.writable) { return; }
    Object.defineProperty(target, name, {value: native, writable: true, configurable: true,
                                         enumerable: d ? d.enumerable : false});
  }

  restore(window, "parseFloat", own.parseFloat);
  restore(window, "parseInt", own.parseInt);
  restore(Number, "parseFloat", own.Number.parseFloat);
  restore(Number, "parseInt", own.Number.parseInt);
  ["trim", "trimStart", "trimEnd", "trimLeft", "trimRight"].forEach(function (name) {
    restore(String.prototype, name, own.String.prototype[name]);
  });
  /* the frame stays: functions of a removed frame's realm are not guaranteed to keep working */
})();
