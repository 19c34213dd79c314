# OrderedDict layers, clip_grad_norm_, an lr scheduler
import torch
import torch.nn as nn
import torch.optim as optim
from collections import OrderedDict

torch.manual_seed(0)
model = nn.Sequential(OrderedDict([
    ('fc1', nn.Linear(4, 8)),
    ('relu', nn.ReLU()),
    ('fc2', nn.Linear(8, 1)),
]))
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
x = torch.randn(16, 4)
y = torch.randn(16, 1)
loss_fn = nn.MSELoss()
for epoch in range(5):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    scheduler.step()
    print(epoch, loss.item(), scheduler.get_last_lr())
