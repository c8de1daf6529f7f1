# labels: name::mobilevitv2 author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``MobileViTV2Model`` (vision model) built from ``MobileViTV2Config()`` with random weights. Default config, 4M parameters."""

import torch
from transformers import MobileViTV2Config, MobileViTV2Model
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = MobileViTV2Config()
model = MobileViTV2Model(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
