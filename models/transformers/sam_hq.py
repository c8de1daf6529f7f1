# labels: name::sam_hq author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``SamHQModel`` (vision model) built from ``SamHQConfig()`` with random weights. Default config, 95M parameters."""

import torch
from transformers import SamHQConfig, SamHQModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = SamHQConfig()
model = SamHQModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.vision_config.num_channels, config.vision_config.image_size, config.vision_config.image_size),
}

model(**inputs)
