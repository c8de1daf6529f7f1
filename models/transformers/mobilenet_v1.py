# labels: name::mobilenet_v1 author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``MobileNetV1Model`` (vision model) built from ``MobileNetV1Config()`` with random weights. Default config, 3M parameters."""

import torch
from transformers import MobileNetV1Config, MobileNetV1Model
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = MobileNetV1Config()
model = MobileNetV1Model(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
