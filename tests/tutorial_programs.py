"""The course notes' tutorial programs, kept in the repository (tests/data/tutorial_programs.json) so that the
tests need nothing beside the checkout.

* `TUTORIALS`: name -> program, the tutorials restated one idea at a time (the course material's oracle.py).
* `VERBATIM`: the course notes' programs exactly as learners paste them (``import torch``, ``print``, classes),
  each a dict with ``id``, ``from`` (the page), ``edits`` (what was changed to run offline) and ``program``.
"""
from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "tutorial_programs.json"

_data = json.loads(DATA.read_text(encoding="utf-8"))
TUTORIALS: dict[str, str] = dict(_data["tutorials"])
VERBATIM: list[dict[str, str]] = list(_data["verbatim"])
