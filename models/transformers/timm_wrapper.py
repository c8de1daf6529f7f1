# labels: name::timm_wrapper author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``TimmWrapperModel`` (vision model) built from ``TimmWrapperConfig()`` with random weights. Default config, 24M parameters."""

import torch
from transformers import TimmWrapperConfig, TimmWrapperModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = TimmWrapperConfig()
model = TimmWrapperModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
