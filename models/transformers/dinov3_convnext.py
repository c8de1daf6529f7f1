# labels: name::dinov3_convnext author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``DINOv3ConvNextModel`` (vision model) built from ``DINOv3ConvNextConfig()`` with random weights. Default config, 28M parameters."""

import torch
from transformers import DINOv3ConvNextConfig, DINOv3ConvNextModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = DINOv3ConvNextConfig()
model = DINOv3ConvNextModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
