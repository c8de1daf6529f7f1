# labels: name::mamba2 author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``Mamba2Model`` (text model) built from ``Mamba2Config(num_hidden_layers=2)`` with random weights. The default config has 7.2B parameters; this script keeps 2 layers (354M parameters)."""

import torch
from transformers import Mamba2Config, Mamba2Model
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = Mamba2Config(num_hidden_layers=2)
model = Mamba2Model(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
