"""The chain rule at one node, in plain words and with the real numbers: what the detail panel says.

For an operation `out = f(a, b)` the backward pass receives dL/d(out) and sends dL/da = dL/d(out) · ∂out/∂a
to each input. The trace holds both gradients (the node's `grad`, each edge's `grad`), so the local
derivative is shown as a formula (for the common ops) and as the numbers that make the product true.
A tensor used more than once receives one contribution per use; they add up, which is shown too.
Pure: reads a Trace, returns plain dicts and strings, knows nothing of Dash.
"""
from __future__ import annotations

from typing import Any

from explorer.choices import DEFAULT_LANG, normalize_lang
from explorer.drawing.text import value_long, value_short
from explorer.recording.model import Node, Trace

# op -> (English, Chinese) plain words for what it computes
WHAT: dict[str, tuple[str, str]] = {
    "AddBackward0": ("adds its inputs: out = a + b", "把输入相加：out = a + b"),
    "AddBackward1": ("adds a number: out = a + c", "加上一个数：out = a + c"),
    "SubBackward0": ("subtracts: out = a − b", "相减：out = a − b"),
    "SubBackward1": ("subtracts a number: out = a − c", "减去一个数：out = a − c"),
    "RsubBackward1": ("subtracts from a number: out = c − a", "用一个数减去它：out = c − a"),
    "MulBackward0": ("multiplies element by element: out = a · b", "逐元素相乘：out = a · b"),
    "MulBackward1": ("multiplies by a number: out = a · c", "乘以一个数：out = a · c"),
    "DivBackward0": ("divides element by element: out = a / b", "逐元素相除：out = a / b"),
    "DivBackward1": ("divides by a number: out = a / c", "除以一个数：out = a / c"),
    "PowBackward0": ("raises to a power: out = aᵖ", "求幂：out = aᵖ"),
    "PowBackward1": ("raises to a tensor power: out = aᵇ", "求幂：out = aᵇ"),
    "NegBackward0": ("changes the sign: out = −a", "取相反数：out = −a"),
    "MeanBackward0": ("averages all elements: out = (a₁ + … + a_N) / N", "对所有元素求平均：out = (a₁ + … + a_N) / N"),
    "MeanBackward1": ("averages along a dimension", "沿某个维度求平均"),
    "SumBackward0": ("adds up all elements: out = a₁ + … + a_N", "对所有元素求和：out = a₁ + … + a_N"),
    "SumBackward1": ("adds up along a dimension", "沿某个维度求和"),
    "ExpBackward0": ("takes the exponential: out = eᵃ", "取指数：out = eᵃ"),
    "LogBackward0": ("takes the natural logarithm: out = ln a", "取自然对数：out = ln a"),
    "SqrtBackward0": ("takes the square root: out = √a", "开平方：out = √a"),
    "SigmoidBackward0": ("squashes into (0, 1): out = σ(a) = 1 / (1 + e⁻ᵃ)",
                         "压缩到 (0, 1)：out = σ(a) = 1 / (1 + e⁻ᵃ)"),
    "TanhBackward0": ("squashes into (−1, 1): out = tanh a", "压缩到 (−1, 1)：out = tanh a"),
    "ReluBackward0": ("keeps positives, zeroes negatives: out = max(a, 0)", "保留正数、负数变 0：out = max(a, 0)"),
    "MmBackward0": ("multiplies matrices: out = A @ B", "矩阵乘法：out = A @ B"),
    "MvBackward0": ("multiplies a matrix by a vector: out = A @ v", "矩阵乘向量：out = A @ v"),
    "DotBackward0": ("takes the dot product: out = Σ aᵢ·bᵢ", "求点积：out = Σ aᵢ·bᵢ"),
    "TBackward0": ("transposes a matrix: out = Aᵀ", "矩阵转置：out = Aᵀ"),
    "AddmmBackward0": ("multiplies matrices and adds a bias: out = b + A @ B", "矩阵乘法再加偏置：out = b + A @ B"),
    "SoftmaxBackward0": ("turns scores into probabilities: out = eᵃ / Σ eᵃ", "把分数变成概率：out = eᵃ / Σ eᵃ"),
    "LogSoftmaxBackward0": ("log of softmax: out = a − log Σ eᵃ", "softmax 的对数：out = a − log Σ eᵃ"),
    "NllLossBackward0": ("negative log-likelihood: minus the log-probability of the right class",
                         "负对数似然：正确类别的对数概率取负"),
    "MseLossBackward0": ("mean squared error: out = mean((a − b)²)", "均方误差：out = mean((a − b)²)"),
    "ReciprocalBackward0": ("takes the reciprocal: out = 1 / a", "取倒数：out = 1 / a"),
    "CloneBackward0": ("copies the tensor", "复制张量"),
    "ViewBackward0": ("reshapes without copying", "改变形状（不复制）"),
    "UnsqueezeBackward0": ("adds a dimension of size 1", "增加一个长度为 1 的维度"),
    "SelectBackward0": ("picks one element or row", "取出一个元素或一行"),
    "LinalgVectorNormBackward0": ("takes the length (norm) of a vector", "求向量的长度（范数）"),
}

# op -> formula of ∂out/∂(input i), with {0}, {1} the names of the inputs
LOCAL: dict[str, tuple[str, ...]] = {
    "AddBackward0": ("1", "1"),
    "AddBackward1": ("1",),
    "SubBackward0": ("1", "−1"),
    "SubBackward1": ("1",),
    "RsubBackward1": ("−1",),
    "MulBackward0": ("{1}", "{0}"),
    "MulBackward1": ("{1}",),
    "DivBackward0": ("1/{1}", "−{0}/{1}²"),
    "DivBackward1": ("1/{1}",),
    "PowBackward0": ("p·{0}^(p−1)",),
    "NegBackward0": ("−1",),
    "MeanBackward0": ("1/N",),
    "SumBackward0": ("1",),
    "ExpBackward0": ("e^{0}",),
    "LogBackward0": ("1/{0}",),
    "SqrtBackward0": ("1/(2·√{0})",),
    "SigmoidBackward0": ("σ({0})·(1 − σ({0}))",),
    "TanhBackward0": ("1 − tanh²({0})",),
    "ReluBackward0": ("1 where {0} > 0, else 0",),
    "ReciprocalBackward0": ("−1/{0}²",),
}

WORDS = {
    "en": {
        "leaf": "a leaf tensor you created; backward adds the gradients that reach it into {name}.grad",
        "constant": "a constant: no gradient flows into it",
        "received": "gradient received",
        "from_uses": "it is used {n} times, so {n} gradients arrive and add up",
        "sent_to": "sends to",
        "no_pass": "no backward pass reached this node",
        "grad_of": "d{loss}/d{x}",
    },
    "zh": {
        "leaf": "你创建的叶子张量；反向传播把到达它的梯度累加到 {name}.grad",
        "constant": "常量：梯度不会流向它",
        "received": "收到的梯度",
        "from_uses": "它被使用了 {n} 次，所以有 {n} 个梯度到达并相加",
        "sent_to": "传给",
        "no_pass": "没有反向传播经过这个节点",
        "grad_of": "d{loss}/d{x}",
    },
}


_lang = normalize_lang


def display_name(node: Node) -> str:
    """How a node is named in formulas: its variable, or the source text, or its label."""
    if node.name:
        return node.name
    if node.span and len(node.span.text) <= 24:
        return f"({node.span.text})" if node.kind == "op" else node.span.text
    return node.label


def explain_node(trace: Trace, node_id: str, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """Everything the detail panel shows about one node, with torch's numbers from the trace."""
    lang = _lang(lang)
    w = WORDS[lang]
    node = trace.nodes[node_id]
    loss = _loss_name(trace)
    into = sorted((e for e in trace.edges if e.target == node_id), key=lambda e: e.input_index)
    out_of = [e for e in trace.edges if e.source == node_id and e.kind == "data"]
    info: dict[str, Any] = {
        "id": node.id,
        "kind": node.kind,
        "op": node.op,
        "title": node.label if node.kind != "op" else f"{node.label} · {node.op}",
        "name": display_name(node),
        "source": node.span.text if node.span else None,
        "line": node.span.line if node.span else None,
        "shape": list(node.shape),
        "value": value_long(node.value),
        "grad_in": value_long(node.grad) if node.grad is not None else None,
        "inputs": [],
        "contributions": [value_short(e.grad, 8) for e in out_of if e.grad is not None],
        "chain": [],
    }
    if node.kind == "leaf":
        info["what"] = w["leaf"].format(name=display_name(node))
    elif node.kind == "constant":
        info["what"] = w["constant"]
    else:
        pair = WHAT.get(node.op)
        info["what"] = pair[1 if lang == "zh" else 0] if pair else node.op
    if len(info["contributions"]) > 1:
        info["uses"] = w["from_uses"].format(n=len(info["contributions"]))
    names = {e.input_index: display_name(trace.nodes[e.source]) for e in into}
    out_name = display_name(node)
    formulas = LOCAL.get(node.op, ())
    for e in into:
        if e.kind != "data":
            continue
        src = trace.nodes[e.source]
        formula = formulas[e.input_index] if e.input_index < len(formulas) else None
        if formula:
            formula = formula.format(*[names.get(i, "?") for i in range(max(names) + 1 if names else 1)])
        local = _local_numbers(node.grad, e.grad)
        item = {
            "name": display_name(src),
            "value": value_short(src.value, 8),
            "grad_sent": value_short(e.grad, 8) if e.grad is not None else None,
            "local": formula,
            "local_value": local,
        }
        info["inputs"].append(item)
        if e.grad is not None and node.grad is not None:
            d_out = w["grad_of"].format(loss=loss, x=out_name)
            d_in = w["grad_of"].format(loss=loss, x=item["name"])
            rhs = f"∂{out_name}/∂{item['name']}"
            parts = [f"{d_in} = {d_out} · {rhs}"]
            if formula and local and formula != local:
                parts.append(f"{value_short(node.grad, 8)} · {formula} ({formula} = {local})")
            elif formula:
                parts.append(f"{value_short(node.grad, 8)} · {formula}")
            elif local:
                parts.append(f"{value_short(node.grad, 8)} · {local}")
            parts.append(value_short(e.grad, 8))
            info["chain"].append(" = ".join(parts))
    if node.kind == "op" and node.grad is None:
        info["chain"].append(w["no_pass"])
    return info


def _loss_name(trace: Trace) -> str:
    out = trace.output_node
    return display_name(out) if out is not None else "L"


def _local_numbers(grad_out: dict | None, grad_sent: dict | None) -> str | None:
    """∂out/∂input as numbers, where it is elementwise: sent ÷ received (skipping zeros)."""
    if not grad_out or not grad_sent:
        return None
    a, b = grad_out.get("data"), grad_sent.get("data")
    if a is None or b is None or grad_out.get("shape") != grad_sent.get("shape"):
        return None
    flat_a, flat_b = _flat(a), _flat(b)
    if len(flat_a) > 8:
        return None
    out = []
    for ga, gb in zip(flat_a, flat_b):
        if not isinstance(ga, (int, float)) or not isinstance(gb, (int, float)) or ga == 0:
            return None
        out.append(gb / ga)
    return value_short({"shape": grad_out["shape"], "data": out if len(out) > 1 else out[0]}, 8)


def _flat(x: Any) -> list:
    if isinstance(x, list):
        return [v for item in x for v in _flat(item)]
    return [x]
