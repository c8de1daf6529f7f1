# labels: name::hello_world author::mlagility task::Example
"""
Hello world: a script that builds a small PyTorch model and calls it once.

Benchmark it without changing a line:

    benchit examples/cli/scripts/hello_world.py
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
inputs = {"x": torch.rand(input_size)}

pytorch_outputs = pytorch_model(**inputs)

print(f"Outputs: {pytorch_outputs}")
