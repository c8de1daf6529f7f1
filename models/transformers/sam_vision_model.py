# labels: name::sam_vision_model author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``SamVisionModel`` (vision model) built from ``SamVisionConfig()`` with random weights. Default config, 90M parameters."""

import torch
from transformers import SamVisionConfig, SamVisionModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = SamVisionConfig()
model = SamVisionModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
