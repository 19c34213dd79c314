"""The gallery: the programs of the PyTorch autograd tutorials, in our own words, simplest first.

Every example is a small program the explorer can run as it is (`explorer.trace(ex.source, inputs=ex.inputs,
backward=ex.backward)`), with short comments that say what to look at. Titles and summaries come in English
and Simplified Chinese (`ex.title("zh")`).

    from explorer import examples
    ex = examples.get("first-graph")
    ex.title("zh")     # "第一张计算图"
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from explorer.choices import DEFAULT_BACKWARD, normalize_lang


@dataclass(frozen=True)
class Example:
    key: str  # "first-graph": stable, used in URLs
    title_en: str
    title_zh: str
    summary_en: str  # one sentence: what it teaches
    summary_zh: str
    source: str  # the program text
    inputs: dict[str, Any] | None = None  # values of free names (`z = y*y*2` leaves `y` free)
    backward: str = DEFAULT_BACKWARD

    def title(self, lang: str) -> str:
        return self.title_zh if _lang(lang) == "zh" else self.title_en

    def summary(self, lang: str) -> str:
        return self.summary_zh if _lang(lang) == "zh" else self.summary_en


_lang = normalize_lang


def _src(text: str) -> str:
    """Program text without the leading newline of a triple-quoted string, ending in exactly one newline."""
    return text.strip("\n") + "\n"


EXAMPLES: tuple[Example, ...] = (
    Example(
        key="first-graph",
        title_en="The first graph",
        title_zh="第一张计算图",
        summary_en="Each operation on a tensor that requires grad adds a node; backward() walks them in reverse.",
        summary_zh="对需要梯度的张量做的每一步运算都会添加一个节点，backward() 再按相反的顺序走回去。",
        source=_src("""
# A leaf tensor: we ask torch to track everything computed from it.
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x + 2          # AddBackward0
z = y * y * 2      # two MulBackward0; y is used twice, so its gradients add up
out = z.mean()     # MeanBackward0: one number, so backward() needs no argument
out.backward()
# x.grad = 4 * (x + 2) / 3 = [3.3333, 1.3333, 5.3333]
print(x.grad)
"""),
    ),
    Example(
        key="short-way",
        title_en="Typed the short way",
        title_zh="最简写法",
        summary_en="A name you use without defining it becomes an input tensor whose value you can set.",
        summary_zh="没有定义就直接使用的名字会变成一个输入张量，它的值可以自己设定。",
        source=_src("""
# y is never assigned, so the explorer makes it an input (here y = 3.0)
# and back-propagates from the scalar z for you.
z = y * y * 2
# dz/dy = 4 * y = 12
"""),
        inputs={"y": 3.0},
    ),
    Example(
        key="non-scalar-output",
        title_en="A non-scalar output",
        title_zh="输出不是标量",
        summary_en="backward() with no argument needs a single number: torch cannot guess a gradient for a vector.",
        summary_zh="不带参数的 backward() 只能从一个标量开始：对于向量输出，torch 无法替你猜出梯度。",
        source=_src("""
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x + 2
z = y * y * 2      # three numbers, not one
# z.backward() would stop with "grad can be implicitly created only for
# scalar outputs". Reduce first (z.sum(), z.mean()) or pass a weight
# for every element: z.backward(torch.ones(3)).
"""),
    ),
    Example(
        key="weighted-backward",
        title_en="Weighted backward",
        title_zh="带权重的反向传播",
        summary_en="z.backward(v) starts from a vector output with weights v: the result is the vector-Jacobian "
                   "product.",
        summary_zh="z.backward(v) 以 v 作为权重从向量输出开始反向传播，得到的是向量与雅可比矩阵的乘积。",
        source=_src("""
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x + 2
z = y * y * 2
v = torch.tensor([1.0, 2.0, 3.0])   # one weight per element of z
z.backward(v)
# x.grad = v * 4 * (x + 2) = [10, 8, 48]
print(x.grad)
"""),
    ),
    Example(
        key="accumulate",
        title_en="Gradients accumulate",
        title_zh="梯度累加",
        summary_en="Each backward() adds into .grad instead of replacing it.",
        summary_zh="每次调用 backward() 都会把梯度加到 .grad 上，而不是覆盖它。",
        source=_src("""
w = torch.ones(4, requires_grad=True)
for epoch in range(3):
    out = (w * 3).sum()
    out.backward()
    print(epoch, w.grad)   # 3, then 6, then 9
# w.grad = [9, 9, 9, 9]
"""),
    ),
    Example(
        key="zero-grad",
        title_en="Zeroing gradients",
        title_zh="梯度清零",
        summary_en="Clear .grad with zero_() between backward passes so each pass starts fresh.",
        summary_zh="在两次反向传播之间用 zero_() 把 .grad 清零，每次都从零开始。",
        source=_src("""
w = torch.ones(4, requires_grad=True)
for epoch in range(3):
    if w.grad is not None:
        w.grad.zero_()     # forget the previous pass
    out = (w * 3).sum()
    out.backward()
    print(epoch, w.grad)   # 3 every time
# w.grad = [3, 3, 3, 3]
"""),
    ),
    Example(
        key="quadratic",
        title_en="A quadratic",
        title_zh="二次函数求导",
        summary_en="The derivative of y = x^2 - 2x + 1 at x = 0 is -2.",
        summary_zh="y = x² - 2x + 1 在 x = 0 处的导数是 -2。",
        source=_src("""
a = torch.tensor(1.0)     # plain constants: no requires_grad
b = torch.tensor(-2.0)
c = torch.tensor(1.0)
x = torch.tensor(0.0, requires_grad=True)
y = a * torch.pow(x, 2) + b * x + c
y.backward()
# x.grad = 2*a*x + b = -2
"""),
    ),
    Example(
        key="quadratic-matrix",
        title_en="A quadratic on a matrix",
        title_zh="矩阵上的二次函数",
        summary_en="For a matrix output, backward(gradient=...) gives the weight of every element.",
        summary_zh="输出是矩阵时，backward(gradient=...) 为每个元素指定权重。",
        source=_src("""
a = torch.tensor(1.0)
b = torch.tensor(-2.0)
c = torch.tensor(1.0)
x = torch.tensor([[0.0, 0.0], [1.0, 2.0]], requires_grad=True)
y = a * torch.pow(x, 2) + b * x + c    # a 2x2 matrix
y.backward(gradient=torch.ones(2, 2))  # weight 1 for every element
# x.grad = 2*x - 2 = [[-2, -2], [0, 2]]
"""),
    ),
    Example(
        key="quadratic-matrix-sum",
        title_en="The same, through a sum",
        title_zh="换成求和再反向传播",
        summary_en="backward(gradient=g) is the same as backward() from the scalar sum(y * g).",
        summary_zh="backward(gradient=g) 与从标量 sum(y * g) 调用 backward() 的结果相同。",
        source=_src("""
a = torch.tensor(1.0)
b = torch.tensor(-2.0)
c = torch.tensor(1.0)
x = torch.tensor([[0.0, 0.0], [1.0, 2.0]], requires_grad=True)
y = a * torch.pow(x, 2) + b * x + c
g = torch.ones(2, 2)
s = torch.sum(y * g)    # a scalar again
s.backward()
# x.grad = [[-2, -2], [0, 2]], as with y.backward(gradient=g)
"""),
    ),
    Example(
        key="second-derivative",
        title_en="The second derivative",
        title_zh="二阶导数",
        summary_en="With create_graph=True the backward pass builds a graph of its own, which can be differentiated "
                   "again.",
        summary_zh="设置 create_graph=True 后，反向传播本身也会建出一张计算图，可以再求一次导。",
        source=_src("""
a = torch.tensor(1.0)
b = torch.tensor(-2.0)
c = torch.tensor(1.0)
x = torch.tensor(0.0, requires_grad=True)
y = a * torch.pow(x, 2) + b * x + c
# create_graph=True: the gradient is itself a tensor with a graph
dy_dx = torch.autograd.grad(y, x, create_graph=True)[0]   # 2*x - 2 = -2
d2y_dx2 = torch.autograd.grad(dy_dx, x)[0]                # 2
print(dy_dx, d2y_dx2)
"""),
    ),
    Example(
        key="many-inputs",
        title_en="Several inputs and outputs",
        title_zh="多个输入与输出",
        summary_en="torch.autograd.grad returns the gradients instead of storing them; several outputs are summed.",
        summary_zh="torch.autograd.grad 直接返回梯度而不写入 .grad；有多个输出时，它们的梯度相加。",
        source=_src("""
x1 = torch.tensor(1.0, requires_grad=True)
x2 = torch.tensor(2.0, requires_grad=True)
y1 = x1 * x2
y2 = x1 + x2
# one output, two inputs; keep the graph for the next call
dy1_dx1, dy1_dx2 = torch.autograd.grad(y1, [x1, x2], retain_graph=True)   # (x2, x1) = (2, 1)
# two outputs: the gradients of y1 + y2
g1, g2 = torch.autograd.grad([y1, y2], [x1, x2])                          # (3, 2)
"""),
    ),
    Example(
        key="sgd",
        title_en="Minimise with SGD",
        title_zh="用 SGD 求最小值",
        summary_en="An optimizer repeats zero_grad, backward and step until x reaches the minimum of (x - 1)^2.",
        summary_zh="优化器反复执行 zero_grad、backward 和 step，让 x 走到 (x - 1)² 的最小值。",
        source=_src("""
x = torch.tensor(0.0, requires_grad=True)
opt = torch.optim.SGD([x], lr=0.01)
for i in range(500):
    opt.zero_grad()          # clear the old gradient
    y = x ** 2 - 2 * x + 1   # (x - 1) ** 2
    y.backward()             # dy/dx = 2*x - 2
    opt.step()               # x = x - lr * x.grad
# x is now about 1.0 and y about 0
print(x, y)
"""),
    ),
    Example(
        key="himmelblau-adam",
        title_en="Himmelblau's function with Adam",
        title_zh="用 Adam 优化 Himmelblau 函数",
        summary_en="Adam walks from (0, 0) towards the minimum of Himmelblau's function at (3, 2).",
        summary_zh="Adam 从 (0, 0) 出发，走向 Himmelblau 函数在 (3, 2) 处的最小值。",
        source=_src("""
def himmelblau(x):
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2

x = torch.tensor([0.0, 0.0], requires_grad=True)
# The tutorial uses lr=1e-3 and 20000 steps; a larger step gets there in 200.
opt = torch.optim.Adam([x], lr=0.05)
for step in range(200):
    loss = himmelblau(x)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 50 == 0:
        print(step, x.tolist(), loss.item())
# x is now close to (3, 2), where the function is 0
"""),
    ),
    Example(
        key="dot",
        title_en="A dot product",
        title_zh="向量点积",
        summary_en="The gradient of 2 * (x . x) is 4x.",
        summary_zh="2 * (x · x) 的梯度是 4x。",
        source=_src("""
x = torch.arange(4.0, requires_grad=True)   # [0, 1, 2, 3]
y = 2 * torch.dot(x, x)                     # 2 * (0 + 1 + 4 + 9) = 28
y.backward()
# x.grad = 4 * x = [0, 4, 8, 12]
"""),
    ),
    Example(
        key="detach",
        title_en="Detach",
        title_zh="分离计算 detach",
        summary_en="detach() gives the same values cut off from the graph, so no gradient flows through them.",
        summary_zh="detach() 得到数值相同但脱离计算图的张量，梯度不会从它那里流过。",
        source=_src("""
x = torch.arange(4.0, requires_grad=True)
y = x * x
u = y.detach()       # same numbers as y, but a constant for autograd
z = u * x
z.sum().backward()
# x.grad = u = [0, 1, 4, 9], not 3 * x ** 2
"""),
    ),
    Example(
        key="control-flow",
        title_en="Control flow",
        title_zh="控制流",
        summary_en="Loops and branches decide which operations run; the graph records only the ones that did.",
        summary_zh="循环和分支决定执行哪些运算，计算图只记录真正执行过的那些。",
        source=_src("""
def f(a):
    b = a * 2
    while b.norm() < 1000:   # how many doublings depends on a
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c

a = torch.tensor(0.3, requires_grad=True)
d = f(a)
d.backward()
# f is linear in a along the path taken, so a.grad == d / a (4096 here)
print(a.grad, d / a)
"""),
    ),
    Example(
        key="two-paths",
        title_en="Two paths into one variable",
        title_zh="两条路径汇入同一变量",
        summary_en="When a variable reaches the output along several paths, its gradient is the sum over the paths.",
        summary_zh="一个变量沿多条路径影响输出时，它的梯度是各条路径上梯度之和。",
        source=_src("""
a = torch.tensor(5.0, requires_grad=True)
x = torch.tensor(10.0, requires_grad=True)
y = 2 * x * x + 3 * a
b = 6 * x * a
z = y * y + 1 / (b * y)   # x and a reach z through both y and b
z.backward()
# x.grad = 17200, a.grad = 1290 (both paths added)
print(x.grad, a.grad)
"""),
    ),
    Example(
        key="chain-rule",
        title_en="The chain rule by hand",
        title_zh="手算链式法则",
        summary_en="dy2/dw1 is dy2/dy1 times dy1/dw1: 2 = 2 * 1.",
        summary_zh="dy2/dw1 等于 dy2/dy1 乘以 dy1/dw1：2 = 2 × 1。",
        source=_src("""
x = torch.tensor(1.0, requires_grad=True)
w1 = torch.tensor(2.0, requires_grad=True)
b1 = torch.tensor(1.0, requires_grad=True)
w2 = torch.tensor(2.0, requires_grad=True)
b2 = torch.tensor(1.0, requires_grad=True)
y1 = x * w1 + b1
y2 = y1 * w2 + b2
dy2_dy1 = torch.autograd.grad(y2, [y1], retain_graph=True)[0]   # w2 = 2
dy1_dw1 = torch.autograd.grad(y1, [w1], retain_graph=True)[0]   # x = 1
dy2_dw1 = torch.autograd.grad(y2, [w1], retain_graph=True)[0]   # 2 * 1 = 2
print(dy2_dy1 * dy1_dw1, dy2_dw1)   # the same number
"""),
    ),
    Example(
        key="perceptron",
        title_en="A perceptron",
        title_zh="单层感知机",
        summary_en="A sigmoid neuron with a mean squared error loss, and the gradient of every weight.",
        summary_zh="一个带 sigmoid 激活和均方误差损失的神经元，以及每个权重的梯度。",
        source=_src("""
x = torch.ones(1, 10)                                # one sample, 10 features
w = torch.full((2, 10), 0.1, requires_grad=True)     # 2 outputs
o = torch.sigmoid(x @ w.t())                         # sigmoid(1.0) = 0.7311
loss = F.mse_loss(torch.ones(1, 2), o)               # target: ones
loss.backward()
# every entry of w.grad is (o - 1) * o * (1 - o) = -0.0529
print(o, w.grad[0, 0])
"""),
    ),
    Example(
        key="softmax",
        title_en="The gradient of softmax",
        title_zh="softmax 的梯度",
        summary_en="Raising one logit raises its probability and lowers all the others.",
        summary_zh="增大一个 logit 会提高它自己的概率，同时降低其他所有类别的概率。",
        source=_src("""
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
p = F.softmax(a, dim=0)
# how p[1] changes with each entry of a: p1 * (1 - p1) for a[1], -p1 * pj for the others
dp1_da = torch.autograd.grad(p[1], [a], retain_graph=True)[0]
print(p, dp1_da)
"""),
    ),
    Example(
        key="relu-tanh",
        title_en="ReLU and tanh",
        title_zh="ReLU 与 tanh",
        summary_en="ReLU passes the gradient where the input is positive and blocks it elsewhere; tanh scales it by "
                   "1 - tanh^2.",
        summary_zh="ReLU 在输入为正处让梯度通过、其余处截断；tanh 则把梯度乘以 1 - tanh²。",
        source=_src("""
x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], requires_grad=True)
r = F.relu(x)
dr_dx = torch.autograd.grad(r.sum(), x)[0]   # 0 where x <= 0, 1 where x > 0
t = torch.tanh(x)
dt_dx = torch.autograd.grad(t.sum(), x)[0]   # 1 - tanh(x) ** 2
print(dr_dx, dt_dx)
"""),
    ),
    Example(
        key="mlp",
        title_en="A 3-layer MLP",
        title_zh="三层多层感知机",
        summary_en="Two hidden ReLU layers and a cross-entropy loss, with explicit weights and biases.",
        summary_zh="两个 ReLU 隐藏层加交叉熵损失，权重和偏置都显式写出。",
        source=_src("""
x = torch.randn(4, 3)                 # 4 samples, 3 features (random, seed 0)
target = torch.tensor([0, 2, 1, 2])   # the class of each sample
w1 = torch.randn(5, 3, requires_grad=True)
b1 = torch.zeros(5, requires_grad=True)
w2 = torch.randn(5, 5, requires_grad=True)
b2 = torch.zeros(5, requires_grad=True)
w3 = torch.randn(3, 5, requires_grad=True)
b3 = torch.zeros(3, requires_grad=True)
h1 = F.relu(x @ w1.t() + b1)          # layer 1
h2 = F.relu(h1 @ w2.t() + b2)         # layer 2
logits = h2 @ w3.t() + b3             # layer 3: one score per class
loss = F.cross_entropy(logits, target)
loss.backward()                       # gradients for all six weights and biases
print(loss)
"""),
    ),
    Example(
        key="class-mlp",
        title_en="A model written as a class",
        title_zh="用类写成的模型",
        summary_en="class Net(nn.Module): layers made in __init__, used in forward; the optimizer takes "
                   "net.parameters(), and each parameter shows up by its name, like net.fc1.weight.",
        summary_zh="class Net(nn.Module)：在 __init__ 中创建层，在 forward 中使用；优化器接收 net.parameters()，"
                   "每个参数都以 net.fc1.weight 这样的名字出现。",
        source=_src("""
# A model is a class: its layers are made in __init__ and used in forward.
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)    # weight (4, 3) and bias (4,): net.fc1.weight, net.fc1.bias
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        h = F.relu(self.fc1(x))       # x @ fc1.weight.t() + fc1.bias, then ReLU
        return self.fc2(h)            # one score per class

net = Net()                           # the weights start random (seed 0)
x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
target = torch.tensor([0, 1])
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
for step in range(20):
    opt.zero_grad()
    loss = F.cross_entropy(net(x), target)   # calling net runs forward
    loss.backward()                   # fills net.fc1.weight.grad and the other three
    opt.step()
print(net)
print(loss)
"""),
    ),
    Example(
        key="custom-function",
        title_en="A Function of your own: the Legendre polynomial",
        title_zh="自己写的 Function：勒让德多项式",
        summary_en="A torch.autograd.Function with your own forward and backward: torch calls your backward in "
                   "the backward pass, and the graph shows it as one node, LegendrePolynomial3Backward.",
        summary_zh="自己写 forward 和 backward 的 torch.autograd.Function：反向传播时 torch 调用你的 backward，"
                   "图中它是一个节点 LegendrePolynomial3Backward。",
        source=_src("""
# From PyTorch's tutorial: fit y = a + b * P3(c + d * x) to sin(x), with P3 a Function we write ourselves.
class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)              # backward needs x
        return 0.5 * (5 * x ** 3 - 3 * x)     # P3(x)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * x ** 2 - 1)   # chain rule with P3'(x) = 1.5 (5x² − 1)

x = torch.linspace(-math.pi, math.pi, 20)
y = torch.sin(x)
a = torch.tensor(0.0, requires_grad=True)
b = torch.tensor(-1.0, requires_grad=True)
c = torch.tensor(0.0, requires_grad=True)
d = torch.tensor(0.3, requires_grad=True)
P3 = LegendrePolynomial3.apply
for t in range(50):
    y_pred = a + b * P3(c + d * x)            # one node for the whole polynomial
    loss = (y_pred - y).pow(2).sum()
    loss.backward()                           # runs our backward for that node
    with torch.no_grad():
        a -= 1e-3 * a.grad
        b -= 1e-3 * b.grad
        c -= 1e-3 * c.grad
        d -= 1e-3 * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(loss)
"""),
    ),
    Example(
        key="dataloader",
        title_en="Training with a DataLoader",
        title_zh="用 DataLoader 训练",
        summary_en="A DataLoader hands the model one mini-batch at a time: each batch is a forward pass, a "
                   "backward pass and a step; zero_grad() in between keeps each batch's gradient its own.",
        summary_zh="DataLoader 每次给模型一个小批量：每个批量做一次前向、一次反向和一步更新；"
                   "中间的 zero_grad() 让每个批量的梯度只属于它自己。",
        source=_src("""
# Six points on the line y = 2x + 1, in mini-batches of 2.
x = torch.tensor([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
y = 2 * x + 1
data = torch.utils.data.TensorDataset(x, y)                         # (x[i], y[i]) pairs
loader = torch.utils.data.DataLoader(data, batch_size=2, shuffle=True)   # shuffled with the run's seed

model = nn.Linear(1, 1)                    # weight and bias: model.weight, model.bias
opt = torch.optim.SGD(model.parameters(), lr=0.02)
for epoch in range(2):
    for xb, yb in loader:                  # 3 batches per epoch
        opt.zero_grad()                    # forget the last batch's gradient
        loss = F.mse_loss(model(xb), yb)   # this batch only
        loss.backward()                    # model.weight.grad: this batch's gradient
        opt.step()
    print(epoch, loss.item())
print(model.weight, model.bias)
"""),
    ),
)

_BY_KEY = {ex.key: ex for ex in EXAMPLES}
if len(_BY_KEY) != len(EXAMPLES):  # pragma: no cover - a typo in the table above
    raise RuntimeError("duplicate example keys")


def get(key: str) -> Example:
    """The example called `key`; KeyError naming every key if there is none."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"no example {key!r}; the examples are: {', '.join(_BY_KEY)}") from None


def keys() -> tuple[str, ...]:
    return tuple(_BY_KEY)


__all__ = ["EXAMPLES", "Example", "get", "keys"]
