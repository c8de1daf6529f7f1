# labels: name::pvt author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``PvtModel`` (vision model) built from ``PvtConfig()`` with random weights. Default config, 13M parameters."""

import torch
from transformers import PvtConfig, PvtModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = PvtConfig()
model = PvtModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
