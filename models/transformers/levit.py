# labels: name::levit author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``LevitModel`` (vision model) built from ``LevitConfig()`` with random weights. Default config, 8M parameters."""

import torch
from transformers import LevitConfig, LevitModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = LevitConfig()
model = LevitModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
