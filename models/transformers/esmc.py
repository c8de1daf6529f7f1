# labels: name::esmc author::transformers task::Fill_Mask domain::Natural_Language_Processing
"""transformers 5.24.0: ``EsmcModel`` (text model) built from ``EsmcConfig(num_hidden_layers=2)`` with random weights. The default config has 6.3B parameters; this script keeps 2 layers (159M parameters)."""

import torch
from transformers import EsmcConfig, EsmcModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = EsmcConfig(num_hidden_layers=2)
model = EsmcModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
