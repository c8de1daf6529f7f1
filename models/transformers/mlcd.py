# labels: name::mlcd author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``MLCDVisionModel`` (vision model) built from ``MLCDVisionConfig(num_hidden_layers=2)`` with random weights. The default config has 1.8B parameters; this script keeps 2 layers (78M parameters)."""

import torch
from transformers import MLCDVisionConfig, MLCDVisionModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = MLCDVisionConfig(num_hidden_layers=2)
model = MLCDVisionModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
