# labels: name::pp_ocrv5_mobile_rec author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``PPOCRV5MobileRecModel`` (vision model) built from ``PPOCRV5MobileRecConfig()`` with random weights. Default config, 3M parameters."""

import torch
from transformers import PPOCRV5MobileRecConfig, PPOCRV5MobileRecModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = PPOCRV5MobileRecConfig()
model = PPOCRV5MobileRecModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
