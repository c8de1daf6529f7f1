# labels: name::plbart author::transformers task::Text2Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``PLBartModel`` (text model) built from ``PLBartConfig()`` with random weights. Default config, 139M parameters."""

import torch
from transformers import PLBartConfig, PLBartModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = PLBartConfig()
model = PLBartModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
    "decoder_input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
}

model(**inputs)
