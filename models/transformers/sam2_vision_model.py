# labels: name::sam2_vision_model author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``Sam2VisionModel`` (vision model) built from ``Sam2VisionConfig()`` with random weights. Default config, 27M parameters."""

import torch
from transformers import Sam2VisionConfig, Sam2VisionModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Sam2VisionConfig()
model = Sam2VisionModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
