# labels: name::mpnet author::transformers task::Fill_Mask domain::Natural_Language_Processing
"""transformers 5.24.0: ``MPNetModel`` (text model) built from ``MPNetConfig()`` with random weights. Default config, 109M parameters."""

import torch
from transformers import MPNetConfig, MPNetModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = MPNetConfig()
model = MPNetModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
