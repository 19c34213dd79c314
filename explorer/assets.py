"""Where the browser assets live: the top-level assets/ in a checkout, explorer/assets/ in an installed wheel."""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def assets_folder() -> Path:
    for candidate in (_HERE / "assets", _HERE.parent / "assets"):
        if (candidate / "animation.js").is_file():
            return candidate
    raise FileNotFoundError("the explorer's assets folder (animation.js) is missing from this installation")


def read_asset(name: str) -> str:
    return (assets_folder() / name).read_text(encoding="utf-8")
