# labels: name::swiftformer author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``SwiftFormerModel`` (vision model) built from ``SwiftFormerConfig()`` with random weights. Default config, 3M parameters."""

import torch
from transformers import SwiftFormerConfig, SwiftFormerModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = SwiftFormerConfig()
model = SwiftFormerModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
