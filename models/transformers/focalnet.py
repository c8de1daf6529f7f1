# labels: name::focalnet author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``FocalNetModel`` (vision model) built from ``FocalNetConfig()`` with random weights. Default config, 28M parameters."""

import torch
from transformers import FocalNetConfig, FocalNetModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = FocalNetConfig()
model = FocalNetModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
