# labels: name::mobilevit author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``MobileViTModel`` (vision model) built from ``MobileViTConfig()`` with random weights. Default config, 5M parameters."""

import torch
from transformers import MobileViTConfig, MobileViTModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = MobileViTConfig()
model = MobileViTModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
