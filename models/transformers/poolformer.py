# labels: name::poolformer author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``PoolFormerModel`` (vision model) built from ``PoolFormerConfig()`` with random weights. Default config, 11M parameters."""

import torch
from transformers import PoolFormerConfig, PoolFormerModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = PoolFormerConfig()
model = PoolFormerModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, 224, 224),
}

model(**inputs)
