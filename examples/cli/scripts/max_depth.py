# labels: name::max_depth author::mlagility task::Example
"""
A model made of sub-modules. By default benchit benchmarks the model the script calls
(depth 0); the sub-modules run inside it and are not separate models.

    benchit examples/cli/scripts/max_depth.py
"""

import torch

torch.manual_seed(0)


class TwoLayerModel(torch.nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.fc1 = torch.nn.Linear(input_size, hidden_size)
        self.relu = torch.nn.ReLU()
        self.fc2 = torch.nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


class NestedModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = TwoLayerModel(16, 32, 16)
        self.head = TwoLayerModel(16, 8, 4)

    def forward(self, x):
        return self.head(self.encoder(x))


model = NestedModel()
model(torch.rand(2, 16))
