# labels: name::dpt author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``DPTModel`` (vision model) built from ``DPTConfig()`` with random weights. Default config, 87M parameters."""

import torch
from transformers import DPTConfig, DPTModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = DPTConfig()
model = DPTModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
