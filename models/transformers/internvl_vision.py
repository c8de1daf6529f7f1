# labels: name::internvl_vision author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``InternVLVisionModel`` (vision model) built from ``InternVLVisionConfig()`` with random weights. Default config, 304M parameters."""

import torch
from transformers import InternVLVisionConfig, InternVLVisionModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = InternVLVisionConfig()
model = InternVLVisionModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size[0], config.image_size[1]),
}

model(**inputs)
