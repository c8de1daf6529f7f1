# labels: name::cvt author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``CvtModel`` (vision model) built from ``CvtConfig()`` with random weights. Default config, 20M parameters."""

import torch
from transformers import CvtConfig, CvtModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = CvtConfig()
model = CvtModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, 224, 224),
}

model(**inputs)
