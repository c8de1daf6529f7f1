# labels: name::efficientnet author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``EfficientNetModel`` (vision model) built from ``EfficientNetConfig()`` with random weights. Default config, 64M parameters."""

import torch
from transformers import EfficientNetConfig, EfficientNetModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = EfficientNetConfig()
model = EfficientNetModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
