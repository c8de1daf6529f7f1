# labels: name::yolos author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``YolosModel`` (vision model) built from ``YolosConfig()`` with random weights. Default config, 103M parameters."""

import torch
from transformers import YolosConfig, YolosModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = YolosConfig()
model = YolosModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size[0], config.image_size[1]),
}

model(**inputs)
