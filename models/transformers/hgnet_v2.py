# labels: name::hgnet_v2 author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``HGNetV2Backbone`` (vision model) built from ``HGNetV2Config()`` with random weights. Default config, 14M parameters."""

import torch
from transformers import HGNetV2Config, HGNetV2Backbone
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = HGNetV2Config()
model = HGNetV2Backbone(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, 224, 224),
}

model(**inputs)
