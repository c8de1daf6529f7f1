# labels: name::convnextv2 author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``ConvNextV2Model`` (vision model) built from ``ConvNextV2Config()`` with random weights. Default config, 28M parameters."""

import torch
from transformers import ConvNextV2Config, ConvNextV2Model
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = ConvNextV2Config()
model = ConvNextV2Model(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
