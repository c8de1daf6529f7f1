# labels: name::deimv2 author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``Deimv2Model`` (vision model) built from ``Deimv2Config()`` with random weights. Default config, 29M parameters."""

import torch
from transformers import Deimv2Config, Deimv2Model
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Deimv2Config()
model = Deimv2Model(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
