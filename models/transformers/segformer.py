# labels: name::segformer author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``SegformerModel`` (vision model) built from ``SegformerConfig()`` with random weights. Default config, 3M parameters."""

import torch
from transformers import SegformerConfig, SegformerModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = SegformerConfig()
model = SegformerModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, 224, 224),
}

model(**inputs)
