# labels: name::lraspp_mobilenet_v3_large author::torchvision task::Semantic_Segmentation domain::Computer_Vision
"""torchvision 0.29.1: ``torchvision.models.segmentation.lraspp_mobilenet_v3_large`` with random weights (``weights=None``)."""

import torch
from torchvision import models
from mlagility.parser import parse

batch_size, num_channels, height, width = parse(["batch_size", "num_channels", "height", "width"])

torch.manual_seed(0)
model = models.get_model("lraspp_mobilenet_v3_large", weights=None, weights_backbone=None)
model.eval()

inputs = torch.rand(batch_size, num_channels, height, width)

model(inputs)
