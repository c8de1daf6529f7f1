"""
Benchmark one PyTorch model from Python with ``benchmark_model``.

    .venv/bin/python examples/api/benchmark_model.py
"""

import torch

from mlagility import benchmark_model

torch.manual_seed(0)


class SmallModel(torch.nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.fc = torch.nn.Linear(input_size, output_size)

    def forward(self, x):
        return self.fc(x)


model = SmallModel(10, 5)
inputs = {"x": torch.rand(10)}

performance = benchmark_model(model, inputs, build_name="small_model_api", iterations=200)

print(f"Build:      {performance.build_name} on {performance.device} ({performance.runtime} v{performance.runtime_version})")
print(f"Median:     {performance.median_latency:.4f} {performance.latency_units}")
print(f"p99:        {performance.p99_latency:.4f} {performance.latency_units}")
print(f"Throughput: {performance.throughput:,.0f} {performance.throughput_units}")
