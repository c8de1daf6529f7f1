# labels: name::vitdet author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``VitDetModel`` (vision model) built from ``VitDetConfig()`` with random weights. Default config, 86M parameters."""

import torch
from transformers import VitDetConfig, VitDetModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = VitDetConfig()
model = VitDetModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
