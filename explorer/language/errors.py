"""Torch's own errors, in torch's words, with a hint that says what to do about them."""
from __future__ import annotations

from explorer.errors import ProgramError

# (a phrase in torch's message, the hint to add). First match wins.
HINTS: tuple[tuple[str, str], ...] = (
    ("grad can be implicitly created only for scalar outputs",
     "backward() needs a single number to start from: call out.sum().backward() or out.mean().backward(), "
     "or pass a gradient of the same shape: out.backward(torch.ones_like(out))"),
    ("Trying to backward through the graph a second time",
     "the first backward freed the graph's saved values: pass retain_graph=True to it, or run the forward "
     "pass again before each backward"),
    ("a leaf Variable that requires grad is being used in an in-place operation",
     "update parameters inside `with torch.no_grad():`, or assign a new tensor instead of changing it in place"),
    ("does not require grad and does not have a grad_fn",
     "create the input with requires_grad=True, e.g. torch.tensor(2.0, requires_grad=True)"),
    ("modified by an inplace operation",
     "a value autograd saved was changed in place later; use out-of-place ops (x = x * 2 instead of x *= 2)"),
    ("One of the differentiated Tensors appears to not have been used in the graph",
     "that input does not affect the output; pass allow_unused=True to get None for it"),
    ("shapes cannot be multiplied", "check the shapes with print(a.shape, b.shape); matrix products need a (n, k) @ (k, m)"),
    ("must match the size of tensor", "the shapes do not broadcast; check them with print(x.shape)"),
    ("only supported for floating point", "use float tensors for gradients: torch.tensor([1.0, 2.0]) or dtype=torch.float32"),
    ("Only Tensors of floating point", "use float tensors for gradients: torch.tensor([1.0, 2.0]) or dtype=torch.float32"),
    ("Boolean value of Tensor with more than one", "use .any() or .all(), or compare a single element"),
    ("can't convert", "a tensor with requires_grad can't become a number or list directly: call .detach() first"),
    ("Can't call numpy", "use .tolist() or .item()"),
    ("index out of range", "indices start at 0 and stop one before the length"),
    ("is out of bounds for dimension", "indices start at 0 and stop one before the length"),
)

MEMORY_PHRASES = ("can't allocate memory", "DefaultCPUAllocator", "not enough memory", "std::bad_alloc")


def runtime_error(e: BaseException) -> ProgramError:
    """A ProgramError for an exception raised while the program ran: `runtime`, or `limit` for memory."""
    text = str(e).strip() or type(e).__name__
    first = text.splitlines()[0] if text else text
    if len(first) > 400:
        first = first[:400] + "…"
    if any(p in text for p in MEMORY_PHRASES):
        return ProgramError("limit", "the program needed more memory than allowed", hint="use smaller tensors")
    name = type(e).__name__
    message = first if name in ("RuntimeError",) else f"{name}: {first}"
    hint = next((h for phrase, h in HINTS if phrase in text), None)
    return ProgramError("runtime", message, hint=hint)
