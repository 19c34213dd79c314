"""The parser on every Python the project supports: what the grammar of each version changes, and what it must not.

Needs no torch (`explorer.language.parser` imports none), so `make test-pythons` runs this file on Python 3.10,
3.12 and 3.13 as well as on 3.11, where the whole suite runs:

    PYTHONPATH=. python3.X -m pytest -q tests/test_parser_grammar.py
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from explorer.config import Limits
from explorer.errors import ProgramError
from explorer.language.parser import parse_program

ROOT = Path(__file__).resolve().parent.parent
PY = sys.version_info[:2]
TRY_MESSAGE = "except* (exception groups) is not supported; use a plain except"


def error(source: str) -> dict:
    with pytest.raises(ProgramError) as info:
        parse_program(source, Limits())
    return info.value.to_dict()


def test_the_parser_imports_and_runs_without_torch():
    code = ("import sys\n"
            "sys.modules['torch'] = None  # any `import torch` now fails\n"
            "from explorer.config import Limits\n"
            "from explorer.language.parser import parse_program\n"
            "parse_program('y = x * 2\\n', Limits())\n"
            "loaded = {m.split('.')[0] for m, module in sys.modules.items() if module is not None}\n"
            "assert not loaded & {'torch', 'numpy', 'plotly', 'dash'}, loaded\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("source, position", [
    ("try:\n    pass\nexcept* ValueError as eg:\n    g = 1\n", (1, 0, 4, 9)),
    ("def f():\n    try:\n        pass\n    except  *  (ValueError, TypeError) as eg:  # except*\n        pass\n",
     (2, 4, 5, 12)),
    ("x = 1\ntry:\n    x = 2\nexcept *ValueError:\n    pass\nexcept* TypeError:\n    pass\n", (2, 0, 7, 8)),
])
def test_except_star_is_not_allowed_on_every_version(source, position):
    # Python 3.10 has no except* in its grammar; the answer there is the same as on 3.11+ (ast.TryStar)
    e = error(source)
    assert (e["kind"], e["message"]) == ("not-allowed", TRY_MESSAGE)
    assert (e["line"], e["col"], e["end_line"], e["end_col"]) == position


def test_except_star_after_a_refused_import_reports_the_import_first():
    e = error("import sys\ntry:\n    pass\nexcept *ValueError:\n    pass\n")
    assert (e["kind"], e["line"]) == ("not-allowed", 1)
    assert e["message"] == "the module `sys` is not available here"


@pytest.mark.parametrize("source, line", [
    ("try:\n    pass\nexcept*:\n    g = 1\n", 3),  # except* needs a type
    ("try:\n    pass\nexcept* ValueError:\n    pass\nexcept TypeError:\n    pass\n", None),  # mixed
    ("x = 'except*'  # except* here\ny = x +* 2\n", 2),  # the words in a string and a comment are not code
    ("try:\n    pass\nexcept* ValueError:\n    y = (1,\n", None),  # another mistake
])
def test_except_star_mistakes_stay_syntax_errors(source, line):
    e = error(source)
    assert e["kind"] == "syntax"
    if line is not None:
        assert e["line"] == line


@pytest.mark.parametrize("source, message", [
    ("match x:\n    case 1:\n        pass\n", "`match` is not supported"),
    ("@print\ndef f():\n    pass\n", "this decorator is not supported"),
    ("if (n := 3) > 2:\n    pass\n", "the walrus operator"),
    ("class A(metaclass=type):\n    pass\n", "class keywords (metaclass=...) are not supported"),
    ("async def f():\n    pass\n", "async code is not supported"),
    ("f = lambda: (yield)\n", "`yield` inside a lambda"),
    ("s = f'{x:{w}}'\n", "format specs inside f-strings must be plain"),
    ("b = b'abc'\n", "bytes literals are not supported"),
    ("def f(*args):\n    return 1\n", "`*args` and `**kwargs`"),
    ("def f(a, /):\n    return a\n", "positional-only parameters"),
    ("y = x.__class__\n", "the attribute `.__class__` is not allowed"),
])
def test_refused_constructs_get_the_same_answer_everywhere(source, message):
    e = error(source)
    assert e["kind"] == "not-allowed" and e["line"] == 1
    assert message in e["message"]


@pytest.mark.parametrize("source", [
    "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x * 2).sum()\ny.backward()\n",
    "with (torch.no_grad()):\n    z = 1\n",  # parenthesized context managers: new grammar in 3.10
    "s = f'{loss:.4f} and {n!r:>8}'\n",
    "for i in range(3):\n    if i == 1:\n        continue\n    total = i\n",
    "def f(a, b=2, *, c=3):\n    return a + b + c\n",
    "f = lambda v, k=2: v * k\ns = {v for v in [1, 2]}\n",
    "n = 0\ndef f():\n    global n\n    n += 1\n    def g():\n        nonlocal_ = 1\n",
    "def f():\n    n = 0\n    def g():\n        nonlocal n\n        n += 1\n",
    "def gen(n):\n    for i in range(n):\n        yield i\n    yield from [n]\n",
    "@torch.no_grad()\ndef f(x):\n    return x * 2\n",
    "# -*- coding: utf-8 -*-\n\"\"\"A docstring.\"\"\"\ndef f(x):\n\t\"\"\"Tabs.\"\"\"\n\treturn x\n",
])
def test_allowed_programs_parse_everywhere(source):
    parse_program(source, Limits())


@pytest.mark.parametrize("source, line, hint", [
    ("x = 1\ny = x +* 2\n", 2, None),
    ("x = (1,\n", 1, "check that every bracket is closed"),
    ("for i in range(3):\nx = i\n", 2, "indent the body"),
    ("y = 1\nreturn y\n", 2, None),
    ("break\n", 1, None),
])
def test_syntax_errors_have_a_line_everywhere(source, line, hint):
    e = error(source)
    assert (e["kind"], e["line"]) == ("syntax", line)
    if hint:
        assert e["hint"].startswith(hint)


def test_limits_come_before_the_grammar():
    e = error("y = " + "(" * 500 + "1" + ")" * 500 + "\n")
    assert e["kind"] == "limit"
    e = error("x = 1\n" * 100_000)
    assert e["kind"] == "limit"


# What the grammar of a newer Python adds, and the explorer follows: the same text can be a syntax error on
# an older version and run (or be refused by name) on a newer one.

def test_pep_701_fstrings_from_3_12():
    source = "d = {'k': 1}\ns = f'{d['k']}'\n"
    if PY >= (3, 12):
        parse_program(source, Limits())
    else:
        assert error(source)["kind"] == "syntax"


@pytest.mark.parametrize("source, refused", [
    ("type X = int\n", "type aliases are not supported"),
    ("def f[T](x):\n    return x\n", "`TypeVar` is not part of the Python subset"),
])
def test_pep_695_type_parameters_from_3_12(source, refused):
    e = error(source)
    if PY >= (3, 12):
        assert e["kind"] == "not-allowed" and refused in e["message"]
    else:
        assert e["kind"] == "syntax"
