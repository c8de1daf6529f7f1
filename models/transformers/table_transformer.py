# labels: name::table_transformer author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``TableTransformerModel`` (vision model) built from ``TableTransformerConfig()`` with random weights. Default config, 41M parameters."""

import torch
from transformers import TableTransformerConfig, TableTransformerModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = TableTransformerConfig()
model = TableTransformerModel(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, config.num_channels, 224, 224),
}

model(**inputs)
