"""URL state: a link reproduces the program, inputs and settings; a hostile link is only ever program text."""
from __future__ import annotations

import base64
import json
import zlib
from urllib.parse import parse_qs, quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer import examples
from explorer.app import urlstate
from explorer.app.urlstate import UrlState, decode, encode, pack_text, parse_input_text, unpack_text


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_defaults_round_trip_to_a_tiny_query():
    assert encode(UrlState()) == "v=1"
    assert decode("") == UrlState()
    assert decode(None) == UrlState()
    assert decode("?v=1") == UrlState()


def test_an_unchanged_example_is_named_not_packed():
    ex = examples.get("first-graph")
    q = encode(UrlState(program=ex.source, example=ex.key))
    assert "ex=first-graph" in q and "p=" not in q
    s = decode(q)
    assert s.program == ex.source and s.example == "first-graph"


def test_an_example_with_its_inputs_comes_back_with_them():
    ex = examples.get("short-way")
    s = decode(f"ex={ex.key}")
    assert s.program == ex.source and s.inputs == ex.inputs


def test_an_edited_example_is_packed():
    ex = examples.get("first-graph")
    q = encode(UrlState(program=ex.source + "# mine\n", example=ex.key))
    assert "ex=" not in q
    s = decode(q)
    assert s.program == ex.source + "# mine\n" and s.example is None


def test_everything_round_trips():
    state = UrlState(program="# 中文 ✓\nz = y*y*2\n", inputs={"y": 3.5, "w": [[1.0, 2.0], [3.0, -4.0]]},
                     backward="mean", theme="projector", direction="TB", constants=True, lang="zh", seed=7,
                     digits=6)
    assert decode(encode(state)) == state
    assert decode("?" + encode(state)) == state


def test_the_program_is_compact():
    src = examples.get("mlp").source
    q = encode(UrlState(program=src + "\n"))
    assert len(q) < len(src)  # deflate + base64 beats the raw text for code


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(program=st.text(max_size=400), y=st.floats(allow_nan=False, allow_infinity=False, width=32),
       theme=st.sampled_from(urlstate.THEMES), backward=st.sampled_from(urlstate.BACKWARD_MODES),
       lang=st.sampled_from([None, "en", "zh"]), seed=st.integers(0, 2**63 - 1))
def test_any_text_round_trips_exactly(program, y, theme, backward, lang, seed):
    state = UrlState(program=program, inputs={"y": float(y)}, theme=theme, backward=backward, lang=lang, seed=seed)
    assert decode(encode(state)) == state


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_decode_never_raises_on_any_query(query):
    s = decode(query)
    assert isinstance(s, UrlState)
    assert s.theme in urlstate.THEMES and s.backward in urlstate.BACKWARD_MODES


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(["v", "ex", "p", "in", "b", "th", "dir", "c", "lang", "seed", "x"]),
                       st.text(max_size=60), max_size=8))
def test_decode_never_raises_on_any_parameters(params):
    from urllib.parse import urlencode

    s = decode(urlencode(params))
    assert s == urlstate.clean(s)


HOSTILE = [
    "</script><script>alert(1)</script>",
    "javascript:alert(1)",
    "__import__('os').system('rm -rf /')",
    "\x00\x01\x02 nul bytes",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE users; --",
    "\u202eevil bidi\u202c",
    "🙂" * 100,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_only_ever_program_text(text):
    q = encode(UrlState(program=text))
    # the query is plain ASCII in the URL-safe alphabet: nothing of the text shows through
    assert all(c.isalnum() or c in "-_=&." for c in q)
    assert "<" not in q and "script" not in q
    s = decode(q)
    assert s.program == text and s.example is None


def test_settings_outside_their_sets_become_defaults():
    s = decode("th=%3Cscript%3E&dir=RL&b=eval&c=yes&lang=fr&seed=-3&ex=../../etc/passwd&digits=5")
    assert s == UrlState()


@pytest.mark.parametrize("digits", [2, 3, 6])
def test_the_digits_round_trip_and_only_the_offered_ones(digits):
    """A link keeps the digits the page showed (explorer.choices DIGITS); any other value is the default."""
    q = encode(UrlState(digits=digits))
    assert q == f"v=1&digits={digits}" and decode(q).digits == digits
    assert encode(UrlState(digits=4)) == "v=1"
    for bad in ("0", "5", "20", "x", "-6", "6.0", "", "%36%36", "٦"):  # ٦: an Arabic-Indic six
        assert decode(f"digits={bad}").digits == 4, bad
    for bad in (0, 5, 20, "6", 6.0, True, None):
        assert urlstate.clean(UrlState(digits=bad)).digits == 4, bad  # type: ignore[arg-type]
        assert UrlState.from_dict({"digits": bad}).digits == 4


def test_a_zip_bomb_is_refused_without_inflating_it():
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = c.compress(b"x" * 10_000_000) + c.flush()  # 10 MB in under 16,000 characters
    token = b64(bomb)
    assert len(token) < urlstate.MAX_QUERY_CHARS
    assert unpack_text(token) is None
    assert decode("p=" + token).program is None


def test_malformed_tokens_are_ignored():
    for token in ["!!!", "a", "====", b64(b"not deflate at all"), b64(b"\xff\xfe" * 10), "x" * 5]:
        assert decode("p=" + quote(token)).program is None
    # valid deflate of bytes that are not UTF-8
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    assert unpack_text(b64(c.compress(b"\xff\xfe\xfd") + c.flush())) is None


def test_an_overlong_query_is_ignored_whole():
    q = encode(UrlState(program="x" * 10, theme="dark")) + "&pad=" + "a" * urlstate.MAX_QUERY_CHARS
    assert decode(q) == UrlState()


def test_a_program_over_the_limit_is_dropped():
    big = "# " + "é" * urlstate.MAX_PROGRAM_CHARS
    assert unpack_text(pack_text(big)) is None


@pytest.mark.parametrize("raw,expected", [
    ({"y": 3}, {"y": 3.0}),
    ({"y": [1, 2.5]}, {"y": [1.0, 2.5]}),
    ({"y": float("nan")}, {}),
    ({"y": float("inf")}, {}),
    ({"y": True}, {}),
    ({"y": "3"}, {}),
    ({"y": None}, {}),
    ({"1bad": 1.0, "__class__": 2.0}, {"__class__": 2.0}),  # a name is only text; the sandbox refuses dunders
    ({"y": [[[[[1.0]]]]]}, {}),  # too deep
    ({"y": [1.0] * (urlstate.MAX_LINK_INPUT_ELEMENTS + 1)}, {}),
    ([1, 2], {}),
    ("y=3", {}),
])
def test_inputs_are_only_names_and_finite_numbers(raw, expected):
    assert urlstate.clean_inputs(raw) == expected


def test_too_many_inputs_are_cut():
    many = {f"v{i}": 1.0 for i in range(100)}
    assert len(urlstate.clean_inputs(many)) == urlstate.MAX_LINK_INPUTS


def test_inputs_in_the_url_that_are_not_json_are_ignored():
    assert decode("in=" + b64(b"{not json")).inputs == {}
    assert decode("in=" + b64(json.dumps({"y": [1, "a"]}).encode())).inputs == {}
    deep = "[" * 10_000 + "]" * 10_000
    assert decode("in=" + b64(json.dumps({"y": 1}).encode()[:-1] + b"," + deep.encode() + b"}")).inputs == {}


@pytest.mark.parametrize("text,value", [
    ("3", 3.0), (" -2.5 ", -2.5), ("[1, 2]", [1.0, 2.0]), ("1, 2, 3", [1.0, 2.0, 3.0]),
    ("[[1,2],[3,4]]", [[1.0, 2.0], [3.0, 4.0]]),
    ("", None), ("abc", None), ("NaN", None), ("Infinity", None), ("[1, 'a']", None), ("true", None),
    ("__import__('os')", None), (4, 4.0), (None, None),
])
def test_parse_input_text(text, value):
    assert parse_input_text(text) == value


def test_format_input_reads_back():
    for v in (3.0, [1.0, 2.0], [[1.0], [2.0]]):
        assert parse_input_text(urlstate.format_input(v)) == v


def test_from_dict_cleans():
    assert UrlState.from_dict({"theme": "dark", "bogus": 1, "seed": "7"}) == UrlState(theme="dark")
    assert UrlState.from_dict(None) == UrlState()


def test_query_parameters_are_the_documented_ones():
    q = encode(UrlState(program="y = x\n", inputs={"x": 1.0}, backward="sum", theme="dark", direction="TB",
                        constants=True, lang="zh", seed=3, digits=2))
    assert set(parse_qs(q)) == {"v", "p", "in", "b", "th", "dir", "c", "lang", "seed", "digits"}
