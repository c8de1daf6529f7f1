# labels: name::wide_resnet101_2 author::torchvision task::Image_Classification domain::Computer_Vision
"""torchvision 0.29.1: ``torchvision.models.wide_resnet101_2`` with random weights (``weights=None``)."""

import torch
from torchvision import models
from mlagility.parser import parse

batch_size, num_channels, height, width = parse(["batch_size", "num_channels", "height", "width"])

torch.manual_seed(0)
model = models.get_model("wide_resnet101_2", weights=None)
model.eval()

inputs = torch.rand(batch_size, num_channels, height, width)

model(inputs)
