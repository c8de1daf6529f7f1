# labels: name::pp_ocrv5_server_rec author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``PPOCRV5ServerRecModel`` (vision model) built from ``PPOCRV5ServerRecConfig()`` with random weights. Default config, 14M parameters."""

import torch
from transformers import PPOCRV5ServerRecConfig, PPOCRV5ServerRecModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = PPOCRV5ServerRecConfig()
model = PPOCRV5ServerRecModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
