# labels: name::mask2former author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``Mask2FormerModel`` (vision model) built from ``Mask2FormerConfig()`` with random weights. Default config, 69M parameters."""

import torch
from transformers import Mask2FormerConfig, Mask2FormerModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Mask2FormerConfig()
model = Mask2FormerModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
