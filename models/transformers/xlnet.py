# labels: name::xlnet author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``XLNetModel`` (text model) built from ``XLNetConfig()`` with random weights. Default config, 360M parameters."""

import torch
from transformers import XLNetConfig, XLNetModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = XLNetConfig()
model = XLNetModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
