# labels: name::deit author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``DeiTModel`` (vision model) built from ``DeiTConfig()`` with random weights. Default config, 86M parameters."""

import torch
from transformers import DeiTConfig, DeiTModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = DeiTConfig()
model = DeiTModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
