# labels: name::textnet author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``TextNetModel`` (vision model) built from ``TextNetConfig()`` with random weights. Default config, 11M parameters."""

import torch
from transformers import TextNetConfig, TextNetModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = TextNetConfig()
model = TextNetModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, config.image_size[0], config.image_size[1]),
}

model(**inputs)
