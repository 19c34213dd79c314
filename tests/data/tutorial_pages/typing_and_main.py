# typing annotations and if __name__ == '__main__'
from typing import List, Tuple
import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    """A small MLP."""

    def __init__(self, sizes: List[int]) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


def train_step(model: nn.Module, batch: Tuple[torch.Tensor, torch.Tensor]) -> float:
    x, y = batch
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return loss.item()


if __name__ == "__main__":
    torch.manual_seed(0)
    net = MLP([3, 5, 2])
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    for step in range(3):
        opt.zero_grad()
        l = train_step(net, (torch.randn(4, 3), torch.randn(4, 2)))
        opt.step()
        print(f"step {step}: loss={l:.4f}")
    total = sum(p.numel() for p in net.parameters() if p.requires_grad)
    print("params:", total)
