"""The chain rule at one node, in plain words and with the real numbers: what the detail panel says.

For an operation `out = f(a, b)` the backward pass receives dL/d(out) and sends dL/da = dL/d(out) · ∂out/∂a
to each input. The trace holds both gradients (the node's `grad`, each edge's `grad`), so the local
derivative is shown as a formula (for the common ops) and as the numbers that make the product true.
A tensor used more than once in a pass receives one contribution per use; they add up, which is shown too.
A leaf's `.grad` is told pass by pass (Trace.grad_events): what each backward pass added, what
torch.autograd.grad returned without touching it, where it was zeroed or set to None, and in one sentence
what it holds in the end.
Pure: reads a Trace, returns plain dicts and strings, knows nothing of Dash.
"""
from __future__ import annotations

from typing import Any

from explorer.choices import DEFAULT_DIGITS, DEFAULT_LANG, normalize_lang
from explorer.drawing.text import value_long, value_short
from explorer.recording.model import GradEvent, Node, Step, Trace

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
    # the operations torch's layers (nn.Linear, nn.Conv2d, ...) and losses are made of
    "ConvolutionBackward0": ("slides small filters over the input (a convolution), adding a bias",
                             "用小卷积核在输入上滑动（卷积），再加上偏置"),
    "MaxPool2DWithIndicesBackward0": ("keeps the largest value of each window (max pooling)",
                                      "保留每个窗口里的最大值（最大池化）"),
    "AvgPool2DBackward0": ("averages each window (average pooling)", "对每个窗口求平均（平均池化）"),
    "AdaptiveAvgPool2DBackward0": ("averages the input down to a fixed size", "把输入平均到固定的大小"),
    "NativeBatchNormBackward0": ("normalizes each channel over the batch, then scales and shifts it",
                                 "按批次对每个通道做归一化，再缩放和平移"),
    "NativeLayerNormBackward0": ("normalizes each sample's features, then scales and shifts them",
                                 "对每个样本的特征做归一化，再缩放和平移"),
    "EmbeddingBackward0": ("looks up one row of the table per index", "按索引从表中取出对应的行"),
    "MkldnnRnnLayerBackward0": ("runs a recurrent layer over the sequence, step by step",
                                "让循环层沿着序列一步一步地计算"),
    "TrilinearBackward0": ("combines two inputs through a weight tensor: out = a · W · b + bias",
                           "通过权重张量组合两个输入：out = a · W · b + bias"),
    "GeluBackward0": ("a smooth ReLU: out = a · Φ(a)", "平滑的 ReLU：out = a · Φ(a)"),
    "LeakyReluBackward0": ("keeps positives, shrinks negatives: out = a if a > 0 else s · a",
                           "保留正数、把负数缩小：a > 0 时 out = a，否则 out = s · a"),
    "EluBackward0": ("keeps positives, bends negatives towards −α: out = α(eᵃ − 1) for a < 0",
                     "保留正数、负数弯向 −α：a < 0 时 out = α(eᵃ − 1)"),
    "SiluBackward0": ("multiplies by its own sigmoid: out = a · σ(a)", "乘以自身的 sigmoid：out = a · σ(a)"),
    "SoftplusBackward0": ("a smooth ReLU: out = ln(1 + eᵃ)", "平滑的 ReLU：out = ln(1 + eᵃ)"),
    "HardtanhBackward0": ("clips into [−1, 1]", "截断到 [−1, 1]"),
    "ThresholdBackward0": ("replaces values at or below a threshold", "把不超过阈值的值替换掉"),
    "AbsBackward0": ("takes the absolute value: out = |a|", "取绝对值：out = |a|"),
    "BinaryCrossEntropyBackward0": ("binary cross-entropy: −(y · ln p + (1 − y) · ln(1 − p))",
                                    "二元交叉熵：−(y · ln p + (1 − y) · ln(1 − p))"),
    "BinaryCrossEntropyWithLogitsBackward0": ("sigmoid, then binary cross-entropy, in one step",
                                              "先 sigmoid 再算二元交叉熵，一步完成"),
    "SmoothL1LossBackward0": ("squared error for small differences, absolute error for large ones",
                              "差距小时用平方误差，差距大时用绝对误差"),
    "HuberLossBackward0": ("squared error for small differences, absolute error for large ones",
                           "差距小时用平方误差，差距大时用绝对误差"),
    "ConstantPadNdBackward0": ("pads the borders with a constant", "用常数填充边缘"),
    "UpsampleNearest2DBackward0": ("enlarges by repeating the nearest pixel", "重复最近的像素来放大"),
    "UpsampleBilinear2DBackward0": ("enlarges by bilinear interpolation", "用双线性插值放大"),
    "CatBackward0": ("joins tensors along a dimension", "沿某个维度拼接张量"),
    "StackBackward0": ("stacks tensors along a new dimension", "沿新维度堆叠张量"),
    "TransposeBackward0": ("swaps two dimensions", "交换两个维度"),
    "UnsafeViewBackward0": ("reshapes without copying", "改变形状（不复制）"),
    "SqueezeBackward1": ("removes a dimension of size 1", "去掉一个长度为 1 的维度"),
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
        "custom": "your Function {name}: its forward computed this value, and in the backward pass torch ran "
                  "your Function's backward, which sent the gradients below",
        "hooked": "a hook you registered changed the gradient arriving here: {before} became {after}",
        "grad_of": "d{loss}/d{x}",
        # the .grad of a leaf, pass by pass
        "pass": "pass {n}",
        "pass_grad": "pass {n} · autograd.grad",
        "where": "line {line}: {text}",
        "zeroed": ".grad zeroed",
        "none": ".grad set to None",
        "set": ".grad set to {value}",
        "added": "added to .grad: {before} + {grad}",
        "stored": "stored in .grad",
        "returned": "returned by autograd.grad; .grad untouched",
        "again": "through the graph kept by retain_graph=True, added to .grad",
        "in_pass_uses": "used {n} times in this pass: {parts}",
        "term": "pass {n}",
        "sep": "; ",
        "story_one": "one pass added to .grad: it holds pass {last}'s gradient",
        "story_kept": "not zeroed before pass {first}: .grad = {terms}",
        "story_returned_also": "autograd.grad (pass {passes}) returned a gradient without touching .grad",
        "story_each": "{n} passes, each {reset} before the next: .grad holds pass {last}'s gradient only",
        "story_sum": "{n} passes without zeroing: .grad = {terms}",
        "story_since": ".grad was {reset} before pass {first}, so .grad = {terms}",
        "story_again": "pass {k} went through the graph again (the one before kept it with retain_graph=True) "
                       "and added to .grad",
        "story_end": "after pass {last}, .grad was {reset}: it is {value} now",
        "story_returned": "autograd.grad returned this gradient; .grad is untouched",
        "story_returned_n": "autograd.grad returned its gradient in passes {passes} and never wrote .grad: "
                            "it is {value}",
        "story_untouched": ".grad is None: no pass added to it",
        "story_set_only": ".grad holds a value no recorded backward pass gave it: {value}",
        "story_trimmed": "passes before pass {first} are summarised",
        "earlier": "earlier passes",
        "set_value": "the value it was set to",
        "reset.zeroed": "zeroed",
        "reset.none": "set to None",
        "reset.set": "given a new value",
        "reset.mixed": "zeroed or set to None",
        "and": " and ",
        "op_passes": "{n} passes went through this node; shown: pass {last}'s gradient",
        "none_value": "None",
        "saved_is_input": "the value of {name}",
        "saved_is_output": "this node's own output",
    },
    "zh": {
        "leaf": "你创建的叶子张量；反向传播把到达它的梯度累加到 {name}.grad",
        "constant": "常量：梯度不会流向它",
        "received": "收到的梯度",
        "from_uses": "它被使用了 {n} 次，所以有 {n} 个梯度到达并相加",
        "sent_to": "传给",
        "no_pass": "没有反向传播经过这个节点",
        "custom": "你的 Function {name}：它的 forward 算出了这个值；反向传播时 torch 运行了你的 Function 的 "
                  "backward，由它传回下面的梯度",
        "hooked": "你注册的 hook 改变了到达这里的梯度：{before} 变成了 {after}",
        "grad_of": "d{loss}/d{x}",
        "pass": "第 {n} 次反向传播",
        "pass_grad": "第 {n} 次 · autograd.grad",
        "where": "第 {line} 行：{text}",
        "zeroed": ".grad 被清零",
        "none": ".grad 被设为 None",
        "set": ".grad 被设为 {value}",
        "saved_is_input": "{name} 的值",
        "saved_is_output": "这个节点自己的输出",
        "added": "累加到 .grad：{before} + {grad}",
        "stored": "存入 .grad",
        "returned": "由 autograd.grad 返回；.grad 不变",
        "again": "经由 retain_graph=True 保留的图，累加到 .grad",
        "in_pass_uses": "这次反向传播中它被使用了 {n} 次：{parts}",
        "term": "第 {n} 次",
        "sep": "；",
        "story_one": "只有一次反向传播写入 .grad：它是第 {last} 次的梯度",
        "story_kept": "第 {first} 次反向传播之前没有清零：.grad = {terms}",
        "story_returned_also": "autograd.grad（第 {passes} 次）返回了梯度，但没有改动 .grad",
        "story_each": "{n} 次反向传播，每次之前都{reset}：.grad 只保存第 {last} 次的梯度",
        "story_sum": "{n} 次反向传播之间没有清零：.grad = {terms}",
        "story_since": "第 {first} 次反向传播之前 .grad {reset}，所以 .grad = {terms}",
        "story_again": "第 {k} 次反向传播再次经过同一张图（前一次用 retain_graph=True 保留了它），梯度累加到 .grad",
        "story_end": "第 {last} 次反向传播之后，.grad {reset}：现在是 {value}",
        "story_returned": "autograd.grad 返回了这个梯度；.grad 没有改变",
        "story_returned_n": "autograd.grad 在第 {passes} 次返回了它的梯度，从不写入 .grad：它是 {value}",
        "story_untouched": ".grad 是 None：没有反向传播累加到它",
        "story_set_only": ".grad 里的值不是记录到的反向传播给的：{value}",
        "story_trimmed": "第 {first} 次之前的反向传播只做了汇总",
        "earlier": "更早的反向传播",
        "set_value": "被设定的值",
        "reset.zeroed": "被清零",
        "reset.none": "被设为 None",
        "reset.set": "被赋了新值",
        "reset.mixed": "被清零或设为 None",
        "and": "、",
        "op_passes": "{n} 次反向传播经过这个节点；显示的是第 {last} 次的梯度",
        "none_value": "None",
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


def explain_node(trace: Trace, node_id: str, lang: str = DEFAULT_LANG, digits: int = DEFAULT_DIGITS) -> dict[str, Any]:
    """Everything the detail panel shows about one node, with torch's numbers from the trace, each written with
    `digits` significant digits (the figure's)."""
    lang = _lang(lang)
    w = WORDS[lang]
    node = trace.nodes[node_id]
    loss = _loss_name(trace)
    into = sorted((e for e in trace.edges if e.target == node_id), key=lambda e: e.input_index)
    info: dict[str, Any] = {
        "id": node.id,
        "kind": node.kind,
        "op": node.op,
        "title": node.label if node.kind != "op" else f"{node.label} · {node.op}",
        "name": display_name(node),
        "source": node.span.text if node.span else None,
        "line": node.span.line if node.span else None,
        "shape": list(node.shape),
        "value": value_long(node.value, lang=lang, digits=digits),
        "grad_in": value_long(node.grad, lang=lang, digits=digits) if node.grad is not None else None,
        "inputs": [],
        "contributions": _contributions(trace, node_id, lang, digits),
        "chain": [],
    }
    if node.kind == "leaf":
        info["what"] = w["leaf"].format(name=display_name(node))
        info["passes"], info["story"] = grad_history(trace, node_id, lang, digits)
    elif node.kind == "constant":
        info["what"] = w["constant"]
    else:
        pair = WHAT.get(node.op)
        info["what"] = pair[1 if lang == "zh" else 0] if pair else node.op
        if pair is None and is_custom_function(node.op):
            info["what"] = w["custom"].format(name=node.op[:-len("Backward")])
    hooked = _hooked_step(trace, node_id)
    if hooked is not None:
        info["hook"] = w["hooked"].format(before=value_short(hooked.hook_before, 8, lang, digits),
                                          after=value_short(hooked.grad_in, 8, lang, digits))
    if len(info["contributions"]) > 1 and not (node.kind == "leaf" and info["passes"]):
        info["uses"] = w["from_uses"].format(n=len(info["contributions"]))
    reached = sorted({s.pass_index for s in trace.backward_steps if s.node == node_id and s.pass_index is not None})
    if node.kind == "op" and len(reached) > 1:
        info["uses"] = w["op_passes"].format(n=len(reached), last=trace.first_pass_number + reached[-1])
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
        local = _local_numbers(node.grad, e.grad, lang, digits)
        item = {
            "name": display_name(src),
            "value": value_short(src.value, 8, lang, digits),
            "grad_sent": value_short(e.grad, 8, lang, digits) if e.grad is not None else None,
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
                parts.append(f"{value_short(node.grad, 8, lang, digits)} · {formula} ({formula} = {local})")
            elif formula:
                parts.append(f"{value_short(node.grad, 8, lang, digits)} · {formula}")
            elif local:
                parts.append(f"{value_short(node.grad, 8, lang, digits)} · {local}")
            parts.append(value_short(e.grad, 8, lang, digits))
            info["chain"].append(" = ".join(parts))
    if node.kind == "op" and node.grad is None:
        info["chain"].append(w["no_pass"])
    info["saved"] = saved_view(trace, node, lang, digits)
    return info


def saved_view(trace: Trace, node: Node, lang: str = DEFAULT_LANG,
               digits: int = DEFAULT_DIGITS) -> list[dict[str, str]]:
    """What autograd kept from the forward pass to compute this node's gradient (torch's `grad_fn._saved_*`),
    each with its value and, when it is one, whose value it is: a learner sees why `x * y` keeps both x and y,
    and that `exp` keeps its own output."""
    w = WORDS[_lang(lang)]
    whose: dict[str, str] = {}
    for e in trace.edges:
        if e.target == node.id and e.kind == "data":
            src = trace.nodes[e.source]
            if src.value is not None:
                whose.setdefault(_same_key(src.value), w["saved_is_input"].format(name=display_name(src)))
    out = []
    for name, value in sorted(node.saved.items()):
        is_tensor = isinstance(value, dict) and "shape" in value
        shown = value_short(value, 8, lang, digits) if is_tensor else str(value)
        note = ""
        if is_tensor:
            if node.value is not None and _same_key(value) == _same_key(node.value):
                note = w["saved_is_output"]
            else:
                note = whose.get(_same_key(value), "")
        out.append({"name": f"_saved_{name}", "value": shown, "note": note})
    return out


def _same_key(value: dict) -> str:
    """A key equal for two recorded values with the same shape and numbers."""
    return repr((value.get("shape"), value.get("data"), value.get("summary")))


def is_custom_function(op: str) -> bool:
    """Whether a node is a torch.autograd.Function of the program's: torch names its node after the class,
    `LegendrePolynomial3Backward`, where every node of torch's own ends in a number (`MulBackward0`)."""
    return op.endswith("Backward") and len(op) > len("Backward")


def _hooked_step(trace: Trace, node_id: str) -> Step | None:
    """The node's last backward step, if a hook of the program changed the gradient that arrived in it."""
    last = None
    for s in trace.backward_steps:
        if s.node == node_id:
            last = s
    return last if last is not None and last.hook_before is not None else None


def _sent_from(trace: Trace, node_id: str) -> dict[int, list[dict]]:
    """The gradients sent to `node_id` along its out-edges, by pass index: one per use in that pass."""
    sources = {e.id for e in trace.edges if e.source == node_id and e.kind == "data"}
    out: dict[int, list[dict]] = {}
    for s in trace.backward_steps:
        if s.pass_index is None:
            continue
        for edge, g in zip(s.edges, s.grads_out):
            if edge in sources and g is not None:
                out.setdefault(s.pass_index, []).append(g)
    return out


def _contributions(trace: Trace, node_id: str, lang: str, digits: int = DEFAULT_DIGITS) -> list[str]:
    """What reached the node, one per use, in the last pass that sent it anything: they add up to its
    gradient in that pass (earlier passes' are told by grad_history, not added here)."""
    sent = _sent_from(trace, node_id)
    return [value_short(g, 8, lang, digits) for g in sent[max(sent)]] if sent else []


def grad_history(trace: Trace, node_id: str, lang: str = DEFAULT_LANG,
                 digits: int = DEFAULT_DIGITS) -> tuple[list[dict], str]:
    """A leaf's .grad pass by pass, for the detail panel: rows {"kind", "label", "where", "grad", "uses",
    "after", "note"} (kind: a GradEvent kind), and one sentence saying what .grad holds and why."""
    lang = _lang(lang)
    w = WORDS[lang]
    events = trace.grad_history(node_id)
    sent = _sent_from(trace, node_id)
    rows: list[dict] = []
    previous: GradEvent | None = None
    for e in events:
        row: dict[str, Any] = {"kind": e.kind, "after": _or_none(e.after, w, digits)}
        if e.kind in ("pass", "returned"):
            p = trace.passes[e.pass_index] if e.pass_index is not None and e.pass_index < len(trace.passes) else None
            row["label"] = w["pass_grad" if e.kind == "returned" else "pass"].format(n=e.number)
            row["where"] = (w["where"].format(line=p.span.line, text=p.span.text)
                            if p is not None and p.span is not None else None)
            row["grad"] = value_short(e.grad, 8, lang, digits) or w["none_value"]
            uses = sent.get(e.pass_index, []) if e.pass_index is not None else []
            parts = " + ".join(value_short(g, 8, lang, digits) for g in uses)
            row["uses"] = w["in_pass_uses"].format(n=len(uses), parts=parts) if len(uses) > 1 else None
            if e.kind == "returned":
                row["note"] = w["returned"]
            elif e.accumulated and _kept_graph(trace, previous, e):
                row["note"] = w["again"]
            elif e.accumulated:
                row["note"] = w["added"].format(before=value_short(e.before, 8, lang, digits),
                                                grad=value_short(e.grad, 8, lang, digits))
            else:
                row["note"] = w["stored"]
        else:
            row["label"] = w[e.kind].format(value=value_short(e.after, 8, lang, digits))
        rows.append(row)
        if e.kind == "pass":
            previous = e
    return rows, _story(trace, trace.nodes[node_id], events, w, digits)


def _kept_graph(trace: Trace, previous: GradEvent | None, e: GradEvent) -> bool:
    """Pass `e` went again through a graph the leaf's previous pass kept (retain_graph=True, same roots)."""
    if previous is None or previous.pass_index is None or e.pass_index is None:
        return False
    a, b = trace.passes[previous.pass_index], trace.passes[e.pass_index]
    return a.retain_graph and bool(set(a.roots) & set(b.roots))


def _story(trace: Trace, node: Node, events: tuple[GradEvent, ...], w: dict[str, str],
           digits: int = DEFAULT_DIGITS) -> str:
    """One sentence (or a few) on what the leaf's .grad holds, from its events."""
    passes = [e for e in events if e.kind == "pass"]
    returned = [e for e in events if e.kind == "returned"]
    terms: list[str] = []  # what .grad is the sum of, since the last change
    resets: list[str | None] = []  # the change seen before each pass after the first (None: nothing)
    pending: str | None = None  # the last change seen since the previous pass
    since: int | None = None  # the first pass after the last change
    again: list[int] = []  # passes that went again through a graph kept with retain_graph=True
    previous: GradEvent | None = None
    for e in events:
        if e.kind == "pass":
            if not terms and e.accumulated and pending is None:
                terms.append(w["earlier"])  # what summarised passes left
            if previous is not None:
                resets.append(pending)
            if pending is not None:
                since = e.number
            terms.append(w["term"].format(n=e.number))
            if e.accumulated and _kept_graph(trace, previous, e):
                again.append(e.number or 0)
            pending, previous = None, e
        elif e.kind in ("zeroed", "none", "set"):
            pending = e.kind
            terms = [w["set_value"]] if e.kind == "set" else []
    sentences: list[str] = []
    if passes:
        last = passes[-1].number
        if len(passes) > 1 and all(resets):
            kinds = set(resets)
            reset = w[f"reset.{kinds.pop()}"] if len(kinds) == 1 else w["reset.mixed"]
            sentences.append(w["story_each"].format(n=len(passes), reset=reset, last=last))
        elif since is not None:
            sentences.append(w["story_since"].format(reset=w[f"reset.{_reset_before(events, since)}"], first=since,
                                                     terms=" + ".join(terms)))
        elif len(passes) == 1 and len(terms) == 1:
            sentences.append(w["story_one"].format(last=last))
        elif len(passes) == 1:
            sentences.append(w["story_kept"].format(first=last, terms=" + ".join(terms)))
        else:
            sentences.append(w["story_sum"].format(n=len(passes), terms=" + ".join(terms)))
        sentences += [w["story_again"].format(k=k) for k in again]
        if pending is not None:
            sentences.append(w["story_end"].format(last=last, reset=w[f"reset.{pending}"],
                                                   value=_or_none(events[-1].after, w, digits)))
    numbers = w["and"].join(str(e.number) for e in returned)
    if returned and passes:
        sentences.append(w["story_returned_also"].format(passes=numbers))
    elif len(returned) == 1:
        sentences.append(w["story_returned"])
    elif returned:
        sentences.append(w["story_returned_n"].format(passes=numbers, value=_or_none(node.grad, w, digits)))
    elif not passes and node.grad is None:
        sentences.append(w["story_untouched"])
    elif not passes and pending is not None:
        sentences.append(w["story_set_only"].format(value=_or_none(node.grad, w, digits)))
    if trace.first_pass_number > 1 and (passes or returned):
        sentences.append(w["story_trimmed"].format(first=trace.first_pass_number))
    return w["sep"].join(sentences)


def _reset_before(events: tuple[GradEvent, ...], number: int) -> str:
    """The kind of the change seen just before pass `number`."""
    kind = "set"
    for e in events:
        if e.kind == "pass" and e.number == number:
            return kind
        if e.kind in ("zeroed", "none", "set"):
            kind = e.kind
    return kind


def _or_none(value: dict | None, w: dict[str, str], digits: int = DEFAULT_DIGITS) -> str:
    lang = "zh" if w is WORDS["zh"] else "en"
    return value_short(value, 8, lang, digits) if value is not None else w["none_value"]


def _loss_name(trace: Trace) -> str:
    out = trace.output_node
    return display_name(out) if out is not None else "L"


def _local_numbers(grad_out: dict | None, grad_sent: dict | None, lang: str,
                   digits: int = DEFAULT_DIGITS) -> str | None:
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
    return value_short({"shape": grad_out["shape"], "data": out if len(out) > 1 else out[0]}, 8, lang, digits)


def _flat(x: Any) -> list:
    if isinstance(x, list):
        return [v for item in x for v in _flat(item)]
    return [x]
