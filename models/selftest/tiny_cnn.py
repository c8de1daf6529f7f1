# labels: name::tiny_cnn author::selftest task::Image_Classification domain::Test
"""Self-test model: a tiny CNN (two ``torch.nn.Conv2d`` blocks and a ``torch.nn.Linear`` head) on 32x32 images, hand written."""

import torch
from mlagility.parser import parse

batch_size, num_channels = parse(["batch_size", "num_channels"])


class TinyCNN(torch.nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(in_channels, 8, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 16, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1),
        )
        self.head = torch.nn.Linear(16, num_classes)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


torch.manual_seed(0)
model = TinyCNN(in_channels=num_channels)
model.eval()

inputs = torch.rand(batch_size, num_channels, 32, 32)

model(inputs)
