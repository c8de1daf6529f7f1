# labels: name::deformable_detr author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``DeformableDetrModel`` (vision model) built from ``DeformableDetrConfig()`` with random weights. Default config, 40M parameters."""

import torch
from transformers import DeformableDetrConfig, DeformableDetrModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = DeformableDetrConfig()
model = DeformableDetrModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, 224, 224),
}

model(**inputs)
