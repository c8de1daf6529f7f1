# labels: name::chinese_clip author::transformers task::Zero_Shot_Image_Classification domain::Multimodal
"""transformers 5.24.0: ``ChineseCLIPModel`` (multimodal model) built from ``ChineseCLIPConfig()`` with random weights. Default config, 197M parameters."""

import torch
from transformers import ChineseCLIPConfig, ChineseCLIPModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = ChineseCLIPConfig()
model = ChineseCLIPModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.text_config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
    "pixel_values": torch.rand(batch_size, config.vision_config.num_channels, config.vision_config.image_size, config.vision_config.image_size),
}

model(**inputs)
