# labels: name::maskformer author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``MaskFormerModel`` (vision model) built from ``MaskFormerConfig()`` with random weights. Default config, 102M parameters."""

import torch
from transformers import MaskFormerConfig, MaskFormerModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = MaskFormerConfig()
model = MaskFormerModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
