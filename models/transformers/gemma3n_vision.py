# labels: name::gemma3n_vision author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``TimmWrapperModel`` (vision model) built from ``Gemma3nVisionConfig()`` with random weights. Default config, 294M parameters."""

import torch
from transformers import Gemma3nVisionConfig, TimmWrapperModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Gemma3nVisionConfig()
model = TimmWrapperModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
