# labels: name::multiple_invocations author::mlagility task::Example
"""
One model called with two different input shapes: each distinct invocation is its own build.
The batch of 1 is called three times, so it shows "executed 3x".

    benchit examples/cli/scripts/multiple_invocations.py
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

for _ in range(3):
    pytorch_model(torch.rand(1, input_size))

pytorch_model(torch.rand(8, input_size))
