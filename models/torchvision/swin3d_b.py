# labels: name::swin3d_b author::torchvision task::Video_Classification domain::Computer_Vision
"""torchvision 0.29.1: ``torchvision.models.video.swin3d_b`` with random weights (``weights=None``)."""

import torch
from torchvision import models
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
model = models.get_model("swin3d_b", weights=None)
model.eval()

# video clips: (batch, channels, frames, height, width) = (batch_size, 3, 16, 224, 224)
inputs = torch.rand(batch_size, 3, 16, 224, 224)

model(inputs)
