# labels: name::two_models author::mlagility task::Example
"""
Two models in one script: benchit discovers, builds and benchmarks both.

    benchit examples/cli/scripts/two_models.py
"""

import torch

torch.manual_seed(0)


class SmallModel(torch.nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.fc = torch.nn.Linear(input_size, output_size)

    def forward(self, x):
        return self.fc(x)


input_size = 10
output_size = 5

pytorch_model = SmallModel(input_size, output_size)
another_pytorch_model = SmallModel(input_size * 2, output_size)

pytorch_outputs = pytorch_model(torch.rand(input_size))
more_pytorch_outputs = another_pytorch_model(torch.rand(input_size * 2))

print(f"Outputs: {pytorch_outputs}, {more_pytorch_outputs}")
