# labels: name::mgp_str author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``MgpstrForSceneTextRecognition`` (vision model) built from ``MgpstrConfig()`` with random weights. Default config, 148M parameters."""

import torch
from transformers import MgpstrConfig, MgpstrForSceneTextRecognition
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = MgpstrConfig()
model = MgpstrForSceneTextRecognition(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size[0], config.image_size[1]),
}

model(**inputs)
