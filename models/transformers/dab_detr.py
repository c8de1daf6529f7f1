# labels: name::dab_detr author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``DabDetrModel`` (vision model) built from ``DabDetrConfig()`` with random weights. Default config, 44M parameters."""

import torch
from transformers import DabDetrConfig, DabDetrModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = DabDetrConfig()
model = DabDetrModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
