# labels: name::pp_ocrv6_small_rec author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``PPOCRV6SmallRecModel`` (vision model) built from ``PPOCRV6SmallRecConfig()`` with random weights. Default config, 3M parameters."""

import torch
from transformers import PPOCRV6SmallRecConfig, PPOCRV6SmallRecModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = PPOCRV6SmallRecConfig()
model = PPOCRV6SmallRecModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
