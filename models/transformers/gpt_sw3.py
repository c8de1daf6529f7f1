# labels: name::gpt_sw3 author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``GPT2Model`` (text model) built from ``GPT2Config()`` with random weights. Default config, 124M parameters."""

import torch
from transformers import GPT2Config, GPT2Model
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = GPT2Config()
model = GPT2Model(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
