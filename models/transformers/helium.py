# labels: name::helium author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``HeliumModel`` (text model) built from ``HeliumConfig(num_hidden_layers=2)`` with random weights. The default config has 2.0B parameters; this script keeps 2 layers (283M parameters)."""

import torch
from transformers import HeliumConfig, HeliumModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = HeliumConfig(num_hidden_layers=2)
model = HeliumModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
