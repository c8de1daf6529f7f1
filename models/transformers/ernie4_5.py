# labels: name::ernie4_5 author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``Ernie4_5Model`` (text model) built from ``Ernie4_5Config()`` with random weights. Default config, 361M parameters."""

import torch
from transformers import Ernie4_5Config, Ernie4_5Model
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = Ernie4_5Config()
model = Ernie4_5Model(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
