# labels: name::pvt_v2 author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``PvtV2Model`` (vision model) built from ``PvtV2Config()`` with random weights. Default config, 3M parameters."""

import torch
from transformers import PvtV2Config, PvtV2Model
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = PvtV2Config()
model = PvtV2Model(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size[0], config.image_size[1]),
}

model(**inputs)
