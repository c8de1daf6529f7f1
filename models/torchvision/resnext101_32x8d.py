# labels: name::resnext101_32x8d author::torchvision task::Image_Classification domain::Computer_Vision
"""torchvision 0.29.1: ``torchvision.models.resnext101_32x8d`` with random weights (``weights=None``)."""

import torch
from torchvision import models
from mlagility.parser import parse

batch_size, num_channels, height, width = parse(["batch_size", "num_channels", "height", "width"])

torch.manual_seed(0)
model = models.get_model("resnext101_32x8d", weights=None)
model.eval()

inputs = torch.rand(batch_size, num_channels, height, width)

model(inputs)
