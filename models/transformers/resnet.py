# labels: name::resnet author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``ResNetModel`` (vision model) built from ``ResNetConfig()`` with random weights. Default config, 24M parameters."""

import torch
from transformers import ResNetConfig, ResNetModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = ResNetConfig()
model = ResNetModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, 224, 224),
}

model(**inputs)
