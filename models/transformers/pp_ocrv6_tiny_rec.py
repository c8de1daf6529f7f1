# labels: name::pp_ocrv6_tiny_rec author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``PPOCRV6TinyRecModel`` (vision model) built from ``PPOCRV6TinyRecConfig()`` with random weights. Default config, 3M parameters."""

import torch
from transformers import PPOCRV6TinyRecConfig, PPOCRV6TinyRecModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = PPOCRV6TinyRecConfig()
model = PPOCRV6TinyRecModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
