# labels: name::glpn author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``GLPNModel`` (vision model) built from ``GLPNConfig()`` with random weights. Default config, 3M parameters."""

import torch
from transformers import GLPNConfig, GLPNModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = GLPNConfig()
model = GLPNModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, 224, 224),
}

model(**inputs)
