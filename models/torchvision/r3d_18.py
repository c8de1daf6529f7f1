# labels: name::r3d_18 author::torchvision task::Video_Classification domain::Computer_Vision
"""torchvision 0.29.1: ``torchvision.models.video.r3d_18`` with random weights (``weights=None``)."""

import torch
from torchvision import models
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
model = models.get_model("r3d_18", weights=None)
model.eval()

# video clips: (batch, channels, frames, height, width) = (batch_size, 3, 16, 112, 112)
inputs = torch.rand(batch_size, 3, 16, 112, 112)

model(inputs)
