# labels: name::lilt author::transformers task::Feature_Extraction domain::Natural_Language_Processing
"""transformers 5.24.0: ``LiltModel`` (text model) built from ``LiltConfig()`` with random weights. Default config, 116M parameters."""

import torch
from transformers import LiltConfig, LiltModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = LiltConfig()
model = LiltModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
