# labels: name::siglip_vision_model author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``SiglipVisionModel`` (vision model) built from ``SiglipVisionConfig()`` with random weights. Default config, 93M parameters."""

import torch
from transformers import SiglipVisionConfig, SiglipVisionModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = SiglipVisionConfig()
model = SiglipVisionModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
