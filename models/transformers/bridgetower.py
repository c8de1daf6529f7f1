# labels: name::bridgetower author::transformers task::Multimodal domain::Multimodal
"""transformers 5.24.0: ``BridgeTowerModel`` (multimodal model) built from ``BridgeTowerConfig()`` with random weights. Default config, 326M parameters."""

import torch
from transformers import BridgeTowerConfig, BridgeTowerModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = BridgeTowerConfig()
model = BridgeTowerModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.text_config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
    "pixel_values": torch.rand(batch_size, config.vision_config.num_channels, config.vision_config.image_size, config.vision_config.image_size),
}

model(**inputs)
