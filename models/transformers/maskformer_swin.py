# labels: name::maskformer_swin author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``MaskFormerSwinModel`` (vision model) built from ``MaskFormerSwinConfig()`` with random weights. Default config, 28M parameters."""

import torch
from transformers import MaskFormerSwinConfig, MaskFormerSwinModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = MaskFormerSwinConfig()
model = MaskFormerSwinModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
