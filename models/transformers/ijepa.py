# labels: name::ijepa author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``IJepaModel`` (vision model) built from ``IJepaConfig()`` with random weights. Default config, 86M parameters."""

import torch
from transformers import IJepaConfig, IJepaModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = IJepaConfig()
model = IJepaModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
