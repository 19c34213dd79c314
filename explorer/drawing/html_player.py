"""The step controls of an exported HTML file: assets/animation.js plus a small control bar, inlined."""
from __future__ import annotations

from explorer.assets import read_asset

CONTROLS = r"""
(function () {
  var gd = document.getElementById('{plot_id}');
  var P = window.ExplorerPlayer;
  if (!gd || !P || !P.count(gd)) { return; }
  var bar = document.createElement('div');
  bar.style.cssText = 'font:16px sans-serif;padding:8px;display:flex;gap:8px;align-items:center';
  function button(label, title, fn) {
    var b = document.createElement('button'); b.textContent = label; b.title = title; b.onclick = fn;
    b.style.cssText = 'font-size:16px;padding:4px 10px'; bar.appendChild(b); return b;
  }
  var k = -1, timer = null;
  var caption = document.createElement('span');
  function go(i) { k = Math.max(-1, Math.min(P.count(gd) - 1, i)); P.overlay(gd, k, false); caption.textContent = P.caption(gd, k, 'en'); }
  function play() {
    if (timer) { clearInterval(timer); timer = null; playBtn.textContent = '▶'; return; }
    if (k >= P.count(gd) - 1) { go(-1); }
    playBtn.textContent = '⏸';
    timer = setInterval(function () { if (k >= P.count(gd) - 1) { play(); } else { go(k + 1); } }, 700);
  }
  button('⏮', 'first (Home)', function () { go(-1); });
  button('◀', 'step back (←)', function () { go(k - 1); });
  var playBtn = button('▶', 'play / pause (space)', play);
  button('▶|', 'step forward (→)', function () { go(k + 1); });
  button('⏭', 'last (End)', function () { go(P.count(gd) - 1); });
  bar.appendChild(caption);
  gd.parentNode.insertBefore(bar, gd);
  document.addEventListener('keydown', function (e) {
    if (e.key === ' ') { e.preventDefault(); play(); }
    else if (e.key === 'ArrowRight') { go(k + 1); } else if (e.key === 'ArrowLeft') { go(k - 1); }
    else if (e.key === 'Home') { go(-1); } else if (e.key === 'End') { go(P.count(gd) - 1); }
  });
  function redraw() { if (P.labelsForView(gd)) { return; } P.fitText(gd); P.overlay(gd, k, false); }
  var soon = P.perFrame(function () { P.overlay(gd, k, false); });  /* mid-drag: labels keep their fit */
  if (gd.on) { gd.on('plotly_afterplot', redraw); gd.on('plotly_relayout', redraw); gd.on('plotly_relayouting', soon); }
  if (!P.labelsForView(gd)) { P.fitText(gd); }
  go(-1);
})();
"""


def player_script() -> str:
    """JavaScript for plotly's `post_script`: the player, then the controls bound to the graph div."""
    return read_asset("animation.js") + "\n" + CONTROLS
