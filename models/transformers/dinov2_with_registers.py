# labels: name::dinov2_with_registers author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``Dinov2WithRegistersModel`` (vision model) built from ``Dinov2WithRegistersConfig()`` with random weights. Default config, 86M parameters."""

import torch
from transformers import Dinov2WithRegistersConfig, Dinov2WithRegistersModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Dinov2WithRegistersConfig()
model = Dinov2WithRegistersModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
