# labels: name::phi3 author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``Phi3Model`` (text model) built from ``Phi3Config(num_hidden_layers=2)`` with random weights. The default config has 3.7B parameters; this script keeps 2 layers (325M parameters)."""

import torch
from transformers import Phi3Config, Phi3Model
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = Phi3Config(num_hidden_layers=2)
model = Phi3Model(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
