# labels: name::dinov2 author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``Dinov2Model`` (vision model) built from ``Dinov2Config()`` with random weights. Default config, 86M parameters."""

import torch
from transformers import Dinov2Config, Dinov2Model
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Dinov2Config()
model = Dinov2Model(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
