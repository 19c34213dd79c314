"""explorer.fastjson: the same values as the standard json module, with and without orjson."""
from __future__ import annotations

import json
import math

import pytest

from explorer import examples, fastjson, trace
from explorer.drawing.figure import figure_dict, figure_meta
from explorer.recording.model import Trace


@pytest.fixture(params=["orjson", "json"])
def engine(request, monkeypatch):
    """Run a test with orjson (the dependency) and with the standard-library fallback."""
    if request.param == "json":
        monkeypatch.setattr(fastjson, "orjson", None)
    elif fastjson.orjson is None:
        pytest.skip("orjson is not installed")
    return request.param


@pytest.mark.parametrize("name", ["first-graph", "mlp", "second-derivative", "sgd", "softmax"])
def test_a_trace_round_trips_to_the_same_trace(engine, name):
    tr = trace(examples.get(name).source, sandbox=False)
    data = fastjson.dumps(tr.to_dict())
    assert isinstance(data, bytes)
    assert fastjson.loads(data) == json.loads(json.dumps(tr.to_dict()))
    assert Trace.from_dict(fastjson.loads(data)) == tr


def test_the_text_is_compact_utf8_and_keeps_every_float(engine):
    value = {"x": [0.1, 1e-7, -2.5e300, 123456789.125, 5e-324], "name": "ŷ = σ(x)", "n": [1, -2, 0]}
    text = fastjson.dumps_text(value)
    assert ": " not in text and ", " not in text
    assert "ŷ = σ(x)" in text  # not \u escapes: a third the size for non-ASCII labels
    back = json.loads(text)
    assert back == value
    assert all(a == b and type(a) is type(b) for a, b in zip(back["x"], value["x"]))


def test_integers_beyond_64_bits_still_encode(engine):
    assert json.loads(fastjson.dumps({"big": 2**70, "neg": -(2**65)})) == {"big": 2**70, "neg": -(2**65)}


def test_what_is_not_json_is_refused(engine):
    for bad in (b"NaN", b"[Infinity]", b'{"a": -Infinity}', b"\x80\x04\x95 pickle?", b"{'a': 1}", b"[1,"):
        with pytest.raises(ValueError):
            fastjson.loads(bad)
    with pytest.raises(TypeError):
        fastjson.dumps({"f": object()})


def test_a_figure_carries_its_animation_data_as_json_text(engine):
    tr = trace(examples.get("first-graph").source, sandbox=False)
    fig = figure_dict(tr)
    raw = fig["layout"]["meta"]["explorer"]
    assert isinstance(raw, str)
    meta = figure_meta(fig)
    assert meta == json.loads(raw)
    assert set(meta["boxes"]) == set(tr.nodes) - {i for i, n in tr.nodes.items() if n.kind == "constant"}
    assert all(math.isfinite(v) for box in meta["boxes"].values() for v in box)
