# labels: name::eurobert author::transformers task::Fill_Mask domain::Natural_Language_Processing
"""transformers 5.24.0: ``EuroBertModel`` (text model) built from ``EuroBertConfig()`` with random weights. Default config, 212M parameters."""

import torch
from transformers import EuroBertConfig, EuroBertModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = EuroBertConfig()
model = EuroBertModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
