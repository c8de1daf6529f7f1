# labels: name::sam2_hiera_det_model author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``Sam2HieraDetModel`` (vision model) built from ``Sam2HieraDetConfig()`` with random weights. Default config, 27M parameters."""

import torch
from transformers import Sam2HieraDetConfig, Sam2HieraDetModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Sam2HieraDetConfig()
model = Sam2HieraDetModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size[0], config.image_size[1]),
}

model(**inputs)
