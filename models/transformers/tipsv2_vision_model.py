# labels: name::tipsv2_vision_model author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``Tipsv2VisionModel`` (vision model) built from ``Tipsv2VisionConfig()`` with random weights. Default config, 86M parameters."""

import torch
from transformers import Tipsv2VisionConfig, Tipsv2VisionModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Tipsv2VisionConfig()
model = Tipsv2VisionModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size, config.image_size),
}

model(**inputs)
