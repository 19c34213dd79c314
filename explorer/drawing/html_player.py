"""What the browser's player is handed from Python, and the step controls of an exported HTML file.

assets/animation.js reads its settings once, at load, from a JSON element of the page,
``<script type="application/json" id="explorer-config">`` (`config_element`): the names of the traces it
restyles, the label threshold, the caption words and the speeds (`player_config`). The app adds its own
(explorer/app/config.py); an exported HTML file gets these, with animation.js and a small control bar inlined.
"""
from __future__ import annotations

import json

from explorer.assets import read_asset
from explorer.choices import DEFAULT_LANG, DEFAULT_SPEED, LANGS, SPEEDS, normalize_lang
from explorer.drawing.figure import (
    HIGHLIGHT_EDGE,
    HIGHLIGHT_NODE,
    HIGHLIGHT_TEXT,
    HOVER_WORDS,
    LAZY_LABELS_MIN,
    NODE_HOVER,
    NODE_LABELS,
)
from explorer.drawing.steps import STEP_WORDS

CONFIG_ELEMENT_ID = "explorer-config"


# the control bar's tooltips, in each language (the captions' words are STEP_WORDS)
CONTROL_TITLES: dict[str, dict[str, str]] = {
    "en": {"first": "first (Home)", "back": "step back (←)", "play": "play / pause (space)",
           "forward": "step forward (→)", "last": "last (End)", "all_label": "show all",
           "all": "every value and gradient at once, instead of as they flow (A)"},
    "zh": {"first": "第一步 (Home)", "back": "后退一步 (←)", "play": "播放 / 暂停 (空格)",
           "forward": "前进一步 (→)", "last": "最后一步 (End)", "all_label": "全部显示",
           "all": "一次显示所有数值和梯度，而不是随计算流动逐步显示 (A)"},
}


def player_config(lang: str = DEFAULT_LANG) -> dict:
    """Everything assets/animation.js takes from Python (ExplorerPlayer.config in the browser). `lang` is the
    language an exported file's captions and buttons speak."""
    lang = normalize_lang(lang)
    return {
        "traces": {"highlight_node": HIGHLIGHT_NODE, "highlight_edge": HIGHLIGHT_EDGE,
                   "highlight_text": HIGHLIGHT_TEXT, "labels": NODE_LABELS, "nodes": NODE_HOVER},
        "lazy_labels_min": LAZY_LABELS_MIN,
        # how a node's hover text begins its value and gradient lines, in every language ("grad: ..."): the
        # player leaves them out until they are computed, as on the labels
        "hover_words": {kind: sorted({w[kind] for w in HOVER_WORDS.values()}) for kind in ("value", "grad")},
        "words": STEP_WORDS,
        "langs": list(LANGS), "default_lang": lang, "control_titles": CONTROL_TITLES[lang],
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
  /* icons drawn as SVG paths, not glyphs: ⏮ ⏸ ⏭ are missing from many machines' fonts */
  var ICONS = {first: 'M2 2h2v12H2zM10 2v12L5 8zM15 2v12l-5-6z', back: 'M11 2v12L4 8z', play: 'M5 2v12l7-6z',
               pause: 'M3 2h4v12H3zM9 2h4v12H9z', forward: 'M3 2v12l7-6zM11 2h2v12h-2z',
               last: 'M1 2v12l5-6zM6 2v12l5-6zM12 2h2v12h-2z'};
  function icon(b, name) {
    b.innerHTML = '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path fill="currentColor" d="'
      + ICONS[name] + '"/></svg>';
    b.setAttribute('data-icon', name);
  }
  var titles = P.config.control_titles || {};
  function button(name, fn) {
    var b = document.createElement('button'); icon(b, name); b.title = titles[name] || name;
    b.setAttribute('aria-label', b.title); b.onclick = fn;
    b.style.cssText = 'padding:4px 10px;line-height:0'; bar.appendChild(b); return b;
  }
  var k = -1, timer = null, all = false;
  var caption = document.createElement('span');
  /* labels reveal what is computed by step k (explorer/drawing/steps.py); "show all" shows everything */
  function draw() { P.revealLabels(gd, k, all); P.overlay(gd, k, false, {all: all}); }
  function go(i) {
    k = Math.max(-1, Math.min(P.count(gd) - 1, i));
    draw();
    caption.textContent = P.caption(gd, k, P.config.default_lang);
  }
  function toggleAll() { all = !all; allBtn.setAttribute('aria-pressed', String(all)); draw(); }
  function play() {
    if (timer) { clearInterval(timer); timer = null; icon(playBtn, 'play'); return; }
    if (k >= P.count(gd) - 1) { go(-1); }
    icon(playBtn, 'pause');
    var ms = P.config.speeds[P.config.default_speed];
    timer = setInterval(function () { if (k >= P.count(gd) - 1) { play(); } else { go(k + 1); } }, ms);
  }
  button('first', function () { go(-1); });
  button('back', function () { go(k - 1); });
  var playBtn = button('play', play);
  button('forward', function () { go(k + 1); });
  button('last', function () { go(P.count(gd) - 1); });
  /* "show all": every value and gradient at once (A), instead of revealed step by step */
  var allBtn = document.createElement('button'); allBtn.textContent = titles.all_label || 'show all';
  allBtn.title = titles.all || 'show all (A)'; allBtn.className = 'show-all'; allBtn.onclick = toggleAll;
  allBtn.setAttribute('aria-pressed', 'false'); allBtn.style.cssText = 'padding:4px 10px';
  bar.appendChild(allBtn);
  bar.appendChild(caption);
  gd.parentNode.insertBefore(bar, gd);
  document.addEventListener('keydown', function (e) {
    if (e.key === ' ') { e.preventDefault(); play(); }
    else if (e.key === 'ArrowRight') { go(k + 1); } else if (e.key === 'ArrowLeft') { go(k - 1); }
    else if (e.key === 'Home') { go(-1); } else if (e.key === 'End') { go(P.count(gd) - 1); }
    else if (e.key === 'a' || e.key === 'A') { toggleAll(); }
  });
  function redraw() {
    if (P.revealLabels(gd, k, all) || P.labelsForView(gd)) { return; }
    P.fitText(gd); P.overlay(gd, k, false, {all: all});
  }
  var soon = P.perFrame(function () { P.overlay(gd, k, false, {all: all}); });  /* mid-drag: labels keep their fit */
  if (gd.on) { gd.on('plotly_afterplot', redraw); gd.on('plotly_relayout', redraw); gd.on('plotly_relayouting', soon); }
  go(-1);
  P.fitText(gd);
})();
"""


def player_script() -> str:
    """JavaScript for plotly's `post_script`: the player, then the controls bound to the graph div. The page
    must hold `config_element(player_config())` (explorer.drawing.export.to_html puts it there)."""
    return read_asset("animation.js") + "\n" + CONTROLS
