"""Themes for the graph: colours by kind of node from the Okabe–Ito palette (safe for colour-blind
readers), and sizes. The projector theme is for the back row of a classroom: large type, thick lines,
high contrast."""
from __future__ import annotations

from dataclasses import dataclass

# Okabe & Ito, "Color Universal Design" (2008): distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    text: str
    muted: str  # secondary text: torch's op name, shapes
    edge: str
    constant_edge: str
    leaf: str  # border colours by kind of node
    op: str
    constant: str
    output: str
    backward: str  # nodes made by a backward pass (create_graph=True)
    fills: dict  # kind -> box fill: a pale (or, dark theme, deep) tint of the border colour, so text reads
    grad: str  # gradient numbers and the active backward edge
    value: str  # forward values and the active forward edge
    font_family: str
    font_size: int
    small_font_size: int
    edge_width: float
    border_width: float
    line_height: float  # pixels per text line in a node box
    char_width: float  # pixels per character of a label (an average for the font size)


FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

THEMES: dict[str, Theme] = {
    "light": Theme(
        name="light", background="#FFFFFF", text="#1A1A1A", muted="#555555", edge="#8C8C8C",
        constant_edge="#C8C8C8", leaf=OKABE_ITO["blue"], op=OKABE_ITO["orange"], constant="#999999",
        output=OKABE_ITO["vermillion"], backward=OKABE_ITO["purple"], grad="#B34700",
        fills={"leaf": "#DDEFFB", "op": "#FCEBC8", "constant": "#F0F0F0", "backward": "#F5E1EE"},
        value=OKABE_ITO["blue"], font_family=FONT, font_size=13, small_font_size=11, edge_width=1.6,
        border_width=1.5, line_height=17.0, char_width=7.6,
    ),
    "dark": Theme(
        name="dark", background="#15181E", text="#F2F2F2", muted="#B0B0B0", edge="#7A7F88",
        constant_edge="#4A4F58", leaf=OKABE_ITO["sky"], op=OKABE_ITO["orange"], constant="#777777",
        output=OKABE_ITO["vermillion"], backward=OKABE_ITO["purple"], grad="#FF9E6B",
        fills={"leaf": "#173547", "op": "#3D3010", "constant": "#262A31", "backward": "#3F2436"},
        value="#7CC6F2", font_family=FONT, font_size=13, small_font_size=11, edge_width=1.6,
        border_width=1.5, line_height=17.0, char_width=7.6,
    ),
    "projector": Theme(
        name="projector", background="#FFFFFF", text="#000000", muted="#222222", edge="#333333",
        constant_edge="#888888", leaf=OKABE_ITO["blue"], op="#B07A00", constant="#777777",
        output=OKABE_ITO["vermillion"], backward=OKABE_ITO["purple"], grad="#A33C00",
        fills={"leaf": "#D0E8F7", "op": "#FFF1B8", "constant": "#EEEEEE", "backward": "#F3D9EA"},
        value="#004F7C", font_family=FONT, font_size=22, small_font_size=18, edge_width=3.5,
        border_width=3.0, line_height=28.0, char_width=12.6,
    ),
}


def get_theme(name: str) -> Theme:
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}") from None
