# labels: name::sapiens2 author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``Sapiens2Model`` (vision model) built from ``Sapiens2Config()`` with random weights. Default config, 395M parameters."""

import torch
from transformers import Sapiens2Config, Sapiens2Model
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Sapiens2Config()
model = Sapiens2Model(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
