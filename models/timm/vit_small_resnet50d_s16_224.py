# labels: name::vit_small_resnet50d_s16_224 author::timm task::Image_Classification domain::Computer_Vision
"""timm 1.0.31: ``timm.create_model("vit_small_resnet50d_s16_224", pretrained=False)`` (random weights), default input size 3x224x224."""

import timm
import torch
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
model = timm.create_model("vit_small_resnet50d_s16_224", pretrained=False)
model.eval()

# the model's default input size, (channels, height, width)
channels, height, width = model.pretrained_cfg["input_size"]
inputs = torch.rand(batch_size, channels, height, width)

model(inputs)
