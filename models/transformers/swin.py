# labels: name::swin author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``SwinModel`` (vision model) built from ``SwinConfig()`` with random weights. Default config, 28M parameters."""

import torch
from transformers import SwinConfig, SwinModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = SwinConfig()
model = SwinModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
