# labels: name::donut_swin author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``DonutSwinModel`` (vision model) built from ``DonutSwinConfig()`` with random weights. Default config, 28M parameters."""

import torch
from transformers import DonutSwinConfig, DonutSwinModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = DonutSwinConfig()
model = DonutSwinModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
