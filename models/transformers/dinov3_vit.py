# labels: name::dinov3_vit author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``DINOv3ViTModel`` (vision model) built from ``DINOv3ViTConfig()`` with random weights. Default config, 22M parameters."""

import torch
from transformers import DINOv3ViTConfig, DINOv3ViTModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = DINOv3ViTConfig()
model = DINOv3ViTModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
