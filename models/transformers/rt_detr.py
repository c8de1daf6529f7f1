# labels: name::rt_detr author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``RTDetrModel`` (vision model) built from ``RTDetrConfig()`` with random weights. Default config, 42M parameters."""

import torch
from transformers import RTDetrConfig, RTDetrModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = RTDetrConfig()
model = RTDetrModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
