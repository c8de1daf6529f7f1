# labels: name::d_fine author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``DFineModel`` (vision model) built from ``DFineConfig()`` with random weights. Default config, 30M parameters."""

import torch
from transformers import DFineConfig, DFineModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = DFineConfig()
model = DFineModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
