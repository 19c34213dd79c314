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
gc.collect()
gc.freeze()
