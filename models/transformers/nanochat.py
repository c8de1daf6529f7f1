# labels: name::nanochat author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``NanoChatModel`` (text model) built from ``NanoChatConfig()`` with random weights. Default config, 218M parameters."""

import torch
from transformers import NanoChatConfig, NanoChatModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = NanoChatConfig()
model = NanoChatModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
