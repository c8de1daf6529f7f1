# labels: name::vit_mae author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``ViTMAEModel`` (vision model) built from ``ViTMAEConfig()`` with random weights. Default config, 86M parameters."""

import torch
from transformers import ViTMAEConfig, ViTMAEModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = ViTMAEConfig()
model = ViTMAEModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
