"""What the page hands its JavaScript (assets/app.js, assets/animation.js), so nothing is typed twice.

`page_config()` is the player's settings (explorer.drawing.html_player.player_config: trace names, caption
words, speeds) plus the app's own: every component id (layout.ID), the themes, the language tags and
buttons, how exported files are named, and the program editor's limit and words (explorer/app/editor.py).
`install(app)` puts it in the page as ``<script type="application/json" id="explorer-config">``, before
Dash's scripts and the assets; assets/animation.js reads it once at load (ExplorerPlayer.config).
"""
from __future__ import annotations

from typing import Any

from explorer.app.editor import editor_config
from explorer.app.layout import EXPORT_PREFIX, ID, LANG_BUTTONS, UNNAMED
from explorer.choices import DEFAULT_THEME, LANG_TAGS, PRESENTATION_THEME, THEMES
from explorer.config import DEFAULT_LIMITS, Limits
from explorer.drawing.html_player import config_element, player_config


def component_ids() -> dict[str, str]:
    """layout.ID as a plain dict: {"GRAPH": "graph", ...}."""
    return {name: value for name, value in vars(ID).items() if name.isupper() and isinstance(value, str)}


def page_config(limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Everything the page's JavaScript takes from Python; `limits` are the server's (the editor's size limit)."""
    return {
        **player_config(),
        "ids": component_ids(),
        "themes": list(THEMES), "default_theme": DEFAULT_THEME, "presentation_theme": PRESENTATION_THEME,
        "lang_tags": LANG_TAGS, "lang_buttons": LANG_BUTTONS,
        "export_prefix": EXPORT_PREFIX, "unnamed": UNNAMED,
        "editor": editor_config(limits),
    }


def install(app: Any, limits: Limits = DEFAULT_LIMITS) -> None:
    """Put page_config(limits) into the page `app` serves, just before Dash's own configuration."""
    element = config_element(page_config(limits))
    app.index_string = app.index_string.replace("{%config%}", element + "\n{%config%}", 1)
