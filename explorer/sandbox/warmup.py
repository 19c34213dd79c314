"""Imported once by the sandbox's zygote, before it forks workers: do the slow first-time work there.

Building the first optimizer imports torch._dynamo (about 1.2 s), which also probes for a writable
temporary directory. A worker can't write files, so without this every optimizer program would fail in
the sandbox, and would be slow besides. The first backward and the first F call load code lazily too.
"""
import tempfile

import torch
import torch.nn.functional as F

tempfile.gettempdir()
with torch.enable_grad():
    _w = torch.zeros(2, requires_grad=True)
    for _opt in (torch.optim.SGD([_w], lr=0.1), torch.optim.Adam([_w], lr=0.1)):
        _opt.zero_grad()
        F.mse_loss(torch.sigmoid(_w), torch.ones(2)).backward()
        _opt.step()
    # the size checks run ops on the "meta" device first; its kernels load lazily, up to seconds each
    _a = torch.zeros(2, 2, device="meta")
    for _op in (torch.matmul, torch.mm, torch.outer, torch.kron, torch.cdist, torch.tensordot):
        try:
            _op(_a, _a)
        except Exception:  # noqa: BLE001 - only loading kernels here
            pass
    torch.einsum("ij,jk->ik", _a, _a)
    F.linear(_a, _a)
del _w, _opt, _a, _op

# Run a few real programs through the whole pipeline once, so that every worker forked from here starts
# with warm caches (torch's dispatcher, the interpreter's tables, the recorder's hooks).
import gc  # noqa: E402

from explorer.examples import EXAMPLES  # noqa: E402
from explorer.recording.run import run_request  # noqa: E402

for _ex in EXAMPLES:
    if _ex.key not in ("sgd", "himmelblau-adam"):  # long optimizer loops: a second each, nothing new to warm
        run_request({"source": _ex.source, "inputs": _ex.inputs, "backward": _ex.backward})
# torch's layers load their kernels (and the meta device's, which check their sizes) on first use: once here,
# rather than once per worker (an LSTM's first call cost every worker some 40 ms)
run_request({"source": """
from torch.utils.data import DataLoader, TensorDataset
x = torch.randn(2, 1, 6, 6, requires_grad=True)
h = nn.Conv2d(1, 2, 3, padding=1)(x)
h = nn.MaxPool2d(2)(nn.BatchNorm2d(2)(h)) + nn.AvgPool2d(2)(h) + nn.AdaptiveAvgPool2d((3, 3))(h)
s = nn.Conv1d(1, 2, 3)(torch.randn(2, 1, 5)).sum() + nn.MaxPool1d(2)(torch.randn(1, 2, 4)).sum()
for layer in (nn.RNN(3, 4), nn.LSTM(3, 4, batch_first=True), nn.GRU(3, 4, bidirectional=True)):
    out, hidden = layer(torch.randn(2, 5, 3))
    s = s + out.sum()
s = s + nn.LSTMCell(3, 4)(torch.randn(2, 3))[0].sum() + nn.GRUCell(3, 4)(torch.randn(2, 3)).sum()
s = s + nn.RNNCell(3, 4)(torch.randn(2, 3)).sum() + nn.Bilinear(2, 2, 1)(torch.ones(1, 2), torch.ones(1, 2)).sum()
e = nn.Embedding(5, 3)(torch.tensor([1, 2]))
n = nn.LayerNorm(3)(e) + nn.BatchNorm1d(3)(e) + nn.Dropout(0.5)(e) + nn.GELU()(e) + nn.PReLU()(e)
h2 = F.interpolate(h, scale_factor=2) + F.interpolate(h, scale_factor=2, mode="bilinear")
p = F.pad(h, (1, 1))
loss = (nn.CrossEntropyLoss()(n, torch.tensor([0, 2])) + nn.MSELoss()(n, n.detach()) + h2.sum() + p.sum() + s
        + nn.BCEWithLogitsLoss()(n, torch.ones(2, 3)) + nn.SmoothL1Loss()(n, torch.zeros(2, 3)))
loss.backward()
for xb, yb in DataLoader(TensorDataset(torch.randn(4, 2), torch.ones(4)), batch_size=2, shuffle=True):
    pass
"""})
gc.collect()
gc.freeze()
