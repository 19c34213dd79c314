"""The chain-rule explanation uses torch's numbers: checked against derivatives computed by torch itself."""
import torch

import explorer
from explorer.drawing.explain import explain_node


def test_mul_sends_the_other_factor_times_the_gradient_and_the_local_derivative_is_y():
    tr = explorer.trace("x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)\ny = x + 2\nz = y * y * 2\n"
                        "out = z.mean()\nout.backward()", sandbox=False)
    node = next(n for n in tr.nodes.values() if n.op == "MulBackward0" and n.name is None)  # y * y
    info = explain_node(tr, node.id)
    y = torch.tensor([0.5, -1.0, 2.0]) + 2
    assert [i["name"] for i in info["inputs"]] == ["y", "y"]
    assert info["inputs"][0]["local"] == "y"  # d(y*y)/dy through each factor is the other factor, y
    assert info["inputs"][0]["local_value"] == "[" + ", ".join(f"{v:.4g}" for v in y.tolist()) + "]"
    # gradient sent back = (1/3 * 2) * y, as torch computes
    sent = (torch.full((3,), 2 / 3) * y).tolist()
    assert info["inputs"][0]["grad_sent"] == "[" + ", ".join(f"{v:.4g}" for v in sent) + "]"
    assert len(info["chain"]) == 2 and info["chain"][0].startswith("dout/dy = dout/d(y * y)")


def test_leaf_used_twice_lists_both_contributions_of_its_pass():
    tr = explorer.trace("a = torch.tensor(3.0, requires_grad=True)\nb = a * 2\nc = a * 5\nd = b + c\n", sandbox=False)
    info = explain_node(tr, tr.by_name("a").id)
    assert sorted(info["contributions"]) == ["2", "5"]
    assert info["passes"][0]["uses"] in ("used 2 times in this pass: 2 + 5", "used 2 times in this pass: 5 + 2")
    assert info["grad_in"] == "7"  # torch: d(2a + 5a)/da = 7
    assert info["story"] == "one pass added to .grad: it holds pass 1's gradient"


def test_chinese_words():
    tr = explorer.trace("z = y * y * 2", sandbox=False)
    info = explain_node(tr, tr.by_name("z").id, lang="zh-CN")
    assert "相乘" in info["what"]


def test_saved_tensors_are_torchs_own_and_say_whose_value_they_are():
    source = ("x = torch.tensor([1.0, 2.0], requires_grad=True)\nw = torch.tensor([3.0, -1.0], requires_grad=True)\n"
              "y = x * w\nz = torch.exp(y)\nout = z.sum()\nout.backward()")
    tr = explorer.trace(source, sandbox=False)
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, -1.0], requires_grad=True)
    y = x * w
    z = torch.exp(y)
    mul = explain_node(tr, tr.by_name("y").id)["saved"]
    # MulBackward0 keeps each factor to multiply the other's gradient by: torch's _saved_self is x, _saved_other w
    assert {s["name"] for s in mul} == {"_saved_self", "_saved_other"}
    by_name = {s["name"]: s for s in mul}
    assert by_name["_saved_self"]["value"] == "[" + ", ".join(f"{v:.4g}" for v in y.grad_fn._saved_self.tolist()) + "]"
    assert by_name["_saved_self"]["note"] == "the value of x"
    assert by_name["_saved_other"]["note"] == "the value of w"
    exp = explain_node(tr, tr.by_name("z").id, lang="zh")["saved"]
    # ExpBackward0 keeps its own result (d exp(y)/dy = exp(y))
    assert [s["name"] for s in exp] == ["_saved_result"]
    assert exp[0]["value"] == "[" + ", ".join(f"{v:.4g}" for v in z.grad_fn._saved_result.tolist()) + "]"
    assert exp[0]["note"] == "这个节点自己的输出"
    assert explain_node(tr, tr.by_name("x").id)["saved"] == []  # a leaf saves nothing
