# labels: name::electra author::transformers task::Fill_Mask domain::Natural_Language_Processing
"""transformers 5.24.0: ``ElectraModel`` (text model) built from ``ElectraConfig()`` with random weights. Default config, 13M parameters."""

import torch
from transformers import ElectraConfig, ElectraModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = ElectraConfig()
model = ElectraModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
