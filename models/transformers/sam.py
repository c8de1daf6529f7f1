# labels: name::sam author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``SamModel`` (vision model) built from ``SamConfig()`` with random weights. Default config, 94M parameters."""

import torch
from transformers import SamConfig, SamModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = SamConfig()
model = SamModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.vision_config.num_channels, config.vision_config.image_size, config.vision_config.image_size),
}

model(**inputs)
