# labels: name::mobilenet_v2 author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``MobileNetV2Model`` (vision model) built from ``MobileNetV2Config()`` with random weights. Default config, 2M parameters."""

import torch
from transformers import MobileNetV2Config, MobileNetV2Model
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = MobileNetV2Config()
model = MobileNetV2Model(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
