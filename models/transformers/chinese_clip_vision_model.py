# labels: name::chinese_clip_vision_model author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``ChineseCLIPVisionModel`` (vision model) built from ``ChineseCLIPVisionConfig()`` with random weights. Default config, 87M parameters."""

import torch
from transformers import ChineseCLIPVisionConfig, ChineseCLIPVisionModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = ChineseCLIPVisionConfig()
model = ChineseCLIPVisionModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
