# random_split, gradient accumulation, clip_grad_value_, eval accuracy, topk and sort
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import TensorDataset, DataLoader, random_split

torch.manual_seed(0)
X = torch.randn(100, 5)
y = (X.sum(1) > 0).long()
ds = TensorDataset(X, y)
train_ds, val_ds = random_split(ds, [80, 20])
train_loader = DataLoader(train_ds, batch_size=16, shuffle=True)
val_loader = DataLoader(val_ds, batch_size=20)
model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(16, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
accumulation_steps = 2
for epoch in range(2):
    model.train()
    for i, (xb, yb) in enumerate(train_loader):
        loss = F.cross_entropy(model(xb), yb) / accumulation_steps
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            nn.utils.clip_grad_value_(model.parameters(), clip_value=1.0)
            optimizer.step()
            optimizer.zero_grad()
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in val_loader:
            preds = model(xb).argmax(dim=1)
            correct += (preds == yb).sum().item()
    print(f"epoch {epoch}: val acc {correct / len(val_ds):.2f}, batches {len(train_loader)}")
probs = F.softmax(model(X[:3]), dim=-1)
top = torch.topk(probs, k=1, dim=1)
print(top.values.shape, top.indices.view(-1))
vals, idx = torch.sort(probs[:, 0], descending=True)
print(idx)
