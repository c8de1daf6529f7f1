# labels: name::swin2sr author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``Swin2SRModel`` (vision model) built from ``Swin2SRConfig()`` with random weights. Default config, 12M parameters."""

import torch
from transformers import Swin2SRConfig, Swin2SRModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Swin2SRConfig()
model = Swin2SRModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
