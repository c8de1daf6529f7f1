# labels: name::conditional_detr author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``ConditionalDetrModel`` (vision model) built from ``ConditionalDetrConfig()`` with random weights. Default config, 43M parameters."""

import torch
from transformers import ConditionalDetrConfig, ConditionalDetrModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = ConditionalDetrConfig()
model = ConditionalDetrModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, 224, 224),
}

model(**inputs)
