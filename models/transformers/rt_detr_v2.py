# labels: name::rt_detr_v2 author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``RTDetrV2Model`` (vision model) built from ``RTDetrV2Config()`` with random weights. Default config, 42M parameters."""

import torch
from transformers import RTDetrV2Config, RTDetrV2Model
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = RTDetrV2Config()
model = RTDetrV2Model(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
