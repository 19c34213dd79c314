# a Dataset class, DataLoader, enumerate over batches
import torch
from torch import nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(1)

class ToyData(Dataset):
    def __init__(self, n=20):
        self.x = torch.linspace(-1, 1, n).view(-1, 1)
        self.y = 3 * self.x + 0.5 + 0.1 * torch.randn(self.x.size())

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]

ds = ToyData()
loader = DataLoader(ds, batch_size=8, shuffle=True)
model = nn.Linear(1, 1)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    for batch_idx, (data, target) in enumerate(loader):
        optimizer.zero_grad()
        output = model(data)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % 2 == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(loader.dataset)} "
                  f"({100. * batch_idx / len(loader):.0f}%)]\tLoss: {loss.item():.6f}")
print(list(model.parameters()))
print(model.weight)
