# labels: name::ssd300_vgg16 author::torchvision task::Object_Detection domain::Computer_Vision
"""torchvision 0.29.1: ``torchvision.models.detection.ssd300_vgg16`` with random weights (``weights=None``)."""

import torch
from torchvision import models
from mlagility.parser import parse

batch_size, height, width = parse(["batch_size", "height", "width"])

torch.manual_seed(0)
model = models.get_model("ssd300_vgg16", weights=None, weights_backbone=None)
model.eval()

# a list of images in [0, 1]; the model resizes them itself
images = [torch.rand(3, height, width) for _ in range(batch_size)]

model(images)
