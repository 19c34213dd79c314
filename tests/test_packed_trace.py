"""The packed trace (format 2): what a sandbox worker sends the server, and the server reads back once."""
from __future__ import annotations

import json
import math

import pytest
import torch

from explorer import fastjson, trace
from explorer.recording.model import Trace
from explorer.recording.packing import Packer, unpack
from explorer.recording.run import run_request
from explorer.recording.values import encode

CHAIN = """
x = torch.linspace(-1.0, 1.0, 8, requires_grad=True)
y = x
for i in range(50):
    y = torch.tanh(y) * 1.01 + x
out = y.sum()
out.backward()
"""


def round_trip(values: list) -> list:
    pack = Packer()
    refs = [pack.ref(v) for v in values]
    back = unpack(json.loads(json.dumps(pack.finish(), allow_nan=False)))
    return [None if r is None else back[r] for r in refs]


def same(a, b) -> bool:
    """Equal, and of the same types all the way down (a float stays a float, an int an int)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


TENSORS = {
    "scalar": torch.tensor(0.1),
    "vector": torch.tensor([0.1, -2.5, 3e-8, 1e30]),
    "matrix": torch.arange(6.0).reshape(2, 3) / 7,
    "cube": torch.arange(24.0).reshape(2, 3, 4) / 3,
    "float64": torch.tensor([0.1, 1 / 3, 5e-324, 1e300], dtype=torch.float64),
    "float16": torch.tensor([0.1, 65504.0], dtype=torch.float16),
    "bfloat16": torch.tensor([0.1, 3.0], dtype=torch.bfloat16),
    "non-finite": torch.tensor([math.nan, math.inf, -math.inf, 1.5]),
    "scalar nan": torch.tensor(math.nan),
    "nan after numbers": torch.tensor([[1.0, 2.0], [math.nan, 4.0]]),
    "ints": torch.tensor([1, -2, 3]),
    "bools": torch.tensor([True, False]),
    "empty": torch.zeros(0),
    "empty rows": torch.zeros(2, 0),
    "complex": torch.tensor([1 + 2j]),
    "big": torch.arange(1000.0),  # a summary
}


@pytest.mark.parametrize("name", list(TENSORS))
def test_a_value_comes_back_as_the_recorder_wrote_it(name):
    value = encode(TENSORS[name])
    (back,) = round_trip([value])
    assert same(back, value)


def test_values_around_one_with_nan_keep_their_places():
    values = [encode(torch.tensor([1.0, 2.0])), encode(torch.tensor([3.0, math.nan])), encode(torch.tensor([5.0]))]
    assert all(same(a, b) for a, b in zip(round_trip(values), values))


def test_float32_numbers_come_back_exactly_as_torch_gives_them():
    t = torch.randn(5, 7, generator=torch.Generator().manual_seed(0))
    (back,) = round_trip([encode(t)])
    assert back["data"] == t.tolist()


def test_python_numbers_and_values_kept_as_they_are():
    values = [{"shape": [], "dtype": "python", "data": 2.5}, {"shape": [], "dtype": "python", "data": 3},
              {"shape": [2], "dtype": "int64", "data": [1, 2]}, None]
    assert all(same(a, b) for a, b in zip(round_trip(values), values))


def test_a_value_used_twice_is_sent_once_and_shared_again():
    value = encode(torch.tensor([1.0, 2.0]))
    pack = Packer()
    assert pack.ref(value) == pack.ref(value) == 0
    assert len(pack.finish()["tensors"]["kind"]) == 1
    a, b = round_trip([value, value])
    assert a is b and same(a, value)


def test_the_trace_a_worker_sends_is_packed_and_reads_back_the_same():
    reply = run_request({"source": CHAIN})
    assert reply["ok"] and reply["trace"]["format"] == 2
    data = fastjson.dumps(reply)
    tr = trace(CHAIN, sandbox=False)
    again = Trace.from_dict(fastjson.loads(data)["trace"])
    assert again == tr
    node = next(n for n in again.nodes.values() if n.kind == "op")
    step = next(s for s in again.forward_steps if s.node == node.id)
    assert step.value is node.value  # decoded once, shared as in the recorder


def test_gradients_after_the_packed_round_trip_equal_plain_torch():
    tr = Trace.from_dict(fastjson.loads(fastjson.dumps(run_request({"source": CHAIN})))["trace"])
    x = torch.linspace(-1.0, 1.0, 8, requires_grad=True)
    y = x
    for _ in range(50):
        y = torch.tanh(y) * 1.01 + x
    y.sum().backward()
    assert tr.by_name("x").grad["data"] == x.grad.tolist()
    assert tr.by_name("y").value["data"] == y.tolist()


def test_the_packed_form_is_much_smaller():
    tr = trace(CHAIN, sandbox=False)
    readable = len(fastjson.dumps(tr.to_dict()))
    packed = len(fastjson.dumps(tr.to_dict(packed=True)))
    assert packed < readable / 2


@pytest.mark.parametrize("damage", ["short array", "long array", "short column", "bad kind", "missing"])
def test_a_damaged_packed_trace_is_refused_with_a_value_error(damage):
    d = json.loads(json.dumps(trace(CHAIN, sandbox=False).to_dict(packed=True)))
    if damage == "short array":
        d["f32"] = d["f32"][:-8]
    elif damage == "long array":
        d["f32"] += "AAAAAA=="
    elif damage == "short column":
        d["nodes"]["label"].pop()
    elif damage == "bad kind":
        d["tensors"]["kind"] = "x" * len(d["tensors"]["kind"])
    else:
        del d["spans"]
    with pytest.raises(ValueError):
        Trace.from_dict(d)


def test_a_damaged_reply_reaches_the_user_as_a_program_error(monkeypatch):
    import explorer.sandbox
    from explorer.errors import ProgramError

    reply = json.loads(json.dumps(run_request({"source": CHAIN})))
    reply["trace"]["f32"] = reply["trace"]["f32"][:-8]

    class Pool:
        def run(self, request, limits):
            return reply

    monkeypatch.setattr(explorer.sandbox, "default_pool", lambda: Pool())
    with pytest.raises(ProgramError) as info:
        trace(CHAIN)
    assert info.value.kind == "runtime" and "worker" in info.value.message
