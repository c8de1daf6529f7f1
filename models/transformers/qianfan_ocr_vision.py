# labels: name::qianfan_ocr_vision author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``QianfanOCRVisionModel`` (vision model) built from ``QianfanOCRVisionConfig()`` with random weights. Default config, 304M parameters."""

import torch
from transformers import QianfanOCRVisionConfig, QianfanOCRVisionModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = QianfanOCRVisionConfig()
model = QianfanOCRVisionModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, config.image_size[0], config.image_size[1]),
}

model(**inputs)
