"""What the browser's player is handed from Python, and the step controls of an exported HTML file.

assets/animation.js reads its settings once, at load, from a JSON element of the page,
``<script type="application/json" id="explorer-config">`` (`config_element`): the names of the traces it
restyles, the label threshold, the caption words and the speeds (`player_config`). The app adds its own
(explorer/app/config.py); an exported HTML file gets these, with animation.js and a small control bar inlined.
"""
from __future__ import annotations

import json

from explorer.assets import read_asset
from explorer.choices import DEFAULT_LANG, DEFAULT_SPEED, LANGS, SPEEDS
from explorer.drawing.figure import HIGHLIGHT_EDGE, HIGHLIGHT_NODE, HIGHLIGHT_TEXT, LAZY_LABELS_MIN, NODE_LABELS
from explorer.drawing.steps import STEP_WORDS

CONFIG_ELEMENT_ID = "explorer-config"


def player_config() -> dict:
    """Everything assets/animation.js takes from Python (ExplorerPlayer.config in the browser)."""
    return {
        "traces": {"highlight_node": HIGHLIGHT_NODE, "highlight_edge": HIGHLIGHT_EDGE,
                   "highlight_text": HIGHLIGHT_TEXT, "labels": NODE_LABELS},
        "lazy_labels_min": LAZY_LABELS_MIN,
        "words": STEP_WORDS,
        "langs": list(LANGS), "default_lang": DEFAULT_LANG,
        "speeds": SPEEDS, "default_speed": DEFAULT_SPEED,
    }


def config_element(config: dict) -> str:
    """`config` as the page's JSON element: not run as a script, and no "</script>" can end it early."""
    text = json.dumps(config, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{CONFIG_ELEMENT_ID}">{text}</script>'


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
  function go(i) {
    k = Math.max(-1, Math.min(P.count(gd) - 1, i));
    P.overlay(gd, k, false);
    caption.textContent = P.caption(gd, k, P.config.default_lang);
  }
  function play() {
    if (timer) { clearInterval(timer); timer = null; playBtn.textContent = '▶'; return; }
    if (k >= P.count(gd) - 1) { go(-1); }
    playBtn.textContent = '⏸';
    var ms = P.config.speeds[P.config.default_speed];
    timer = setInterval(function () { if (k >= P.count(gd) - 1) { play(); } else { go(k + 1); } }, ms);
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
    """JavaScript for plotly's `post_script`: the player, then the controls bound to the graph div. The page
    must hold `config_element(player_config())` (explorer.drawing.export.to_html puts it there)."""
    return read_asset("animation.js") + "\n" + CONTROLS
