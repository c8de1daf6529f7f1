# labels: name::mlp author::selftest task::Classification domain::Test
"""Self-test model: a 2-layer MLP (``torch.nn.Linear`` + ReLU + ``torch.nn.Linear``), hand written."""

import torch
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])


class MLP(torch.nn.Module):
    def __init__(self, in_features=10, hidden=32, out_features=5):
        super().__init__()
        self.fc1 = torch.nn.Linear(in_features, hidden)
        self.fc2 = torch.nn.Linear(hidden, out_features)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


torch.manual_seed(0)
model = MLP()
model.eval()

inputs = torch.rand(batch_size, 10)

model(inputs)
