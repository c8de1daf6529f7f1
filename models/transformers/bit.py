# labels: name::bit author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``BitModel`` (vision model) built from ``BitConfig()`` with random weights. Default config, 24M parameters."""

import torch
from transformers import BitConfig, BitModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = BitConfig()
model = BitModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, 224, 224),
}

model(**inputs)
