# labels: name::hiera author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``HieraModel`` (vision model) built from ``HieraConfig()`` with random weights. Default config, 51M parameters."""

import torch
from transformers import HieraConfig, HieraModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = HieraConfig()
model = HieraModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size[0], config.image_size[1]),
}

model(**inputs)
