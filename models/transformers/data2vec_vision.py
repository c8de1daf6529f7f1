# labels: name::data2vec_vision author::transformers task::Image_Classification domain::Computer_Vision
"""transformers 5.24.0: ``Data2VecVisionModel`` (vision model) built from ``Data2VecVisionConfig()`` with random weights. Default config, 86M parameters."""

import torch
from transformers import Data2VecVisionConfig, Data2VecVisionModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Data2VecVisionConfig()
model = Data2VecVisionModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
