# labels: name::minicpm3 author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``MiniCPM3Model`` (text model) built from ``MiniCPM3Config(num_hidden_layers=2)`` with random weights. The default config has 4.1B parameters; this script keeps 2 layers (313M parameters)."""

import torch
from transformers import MiniCPM3Config, MiniCPM3Model
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = MiniCPM3Config(num_hidden_layers=2)
model = MiniCPM3Model(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
