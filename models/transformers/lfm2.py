# labels: name::lfm2 author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``Lfm2Model`` (text model) built from ``Lfm2Config(num_hidden_layers=2)`` with random weights. The default config has 2.7B parameters; this script keeps 2 layers (326M parameters)."""

import torch
from transformers import Lfm2Config, Lfm2Model
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = Lfm2Config(num_hidden_layers=2)
model = Lfm2Model(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
