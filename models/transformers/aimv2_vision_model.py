# labels: name::aimv2_vision_model author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``Aimv2VisionModel`` (vision model) built from ``Aimv2VisionConfig()`` with random weights. Default config, 312M parameters."""

import torch
from transformers import Aimv2VisionConfig, Aimv2VisionModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Aimv2VisionConfig()
model = Aimv2VisionModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
