# source: https://github.com/pytorch/tutorials/blob/d4e697bcefdadc591b93ebdc87905f08018fe27a/intermediate_source/custom_function_double_backward_tutorial.rst (section "Saving the Outputs")
# edits: `import torch` added (the tutorial imports it in its first block); the section's two code blocks joined,
#   dedented; the `torchviz.make_dot(...)` line left out (torchviz is not installed)
import torch

class Exp(torch.autograd.Function):
    # Simple case where everything goes well
    @staticmethod
    def forward(ctx, x):
        # This time we save the output
        result = torch.exp(x)
        # Note that we should use `save_for_backward` here when
        # the tensor saved is an ouptut (or an input).
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_out):
        result, = ctx.saved_tensors
        return result * grad_out

x = torch.tensor(1., requires_grad=True, dtype=torch.double).clone()
# Validate our gradients using gradcheck
torch.autograd.gradcheck(Exp.apply, x)
torch.autograd.gradgradcheck(Exp.apply, x)

out = Exp.apply(x)
grad_x, = torch.autograd.grad(out, x, create_graph=True)
