# labels: name::vit author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``ViTModel`` (vision model) built from ``ViTConfig()`` with random weights. Default config, 86M parameters."""

import torch
from transformers import ViTConfig, ViTModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = ViTConfig()
model = ViTModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
