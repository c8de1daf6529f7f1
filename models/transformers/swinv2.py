# labels: name::swinv2 author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``Swinv2Model`` (vision model) built from ``Swinv2Config()`` with random weights. Default config, 28M parameters."""

import torch
from transformers import Swinv2Config, Swinv2Model
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Swinv2Config()
model = Swinv2Model(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
