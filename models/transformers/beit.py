# labels: name::beit author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``BeitModel`` (vision model) built from ``BeitConfig()`` with random weights. Default config, 86M parameters."""

import torch
from transformers import BeitConfig, BeitModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = BeitConfig()
model = BeitModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
