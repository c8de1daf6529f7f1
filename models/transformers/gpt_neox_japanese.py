# labels: name::gpt_neox_japanese author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``GPTNeoXJapaneseModel`` (text model) built from ``GPTNeoXJapaneseConfig(num_hidden_layers=2)`` with random weights. The default config has 2.6B parameters; this script keeps 2 layers (239M parameters)."""

import torch
from transformers import GPTNeoXJapaneseConfig, GPTNeoXJapaneseModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = GPTNeoXJapaneseConfig(num_hidden_layers=2)
model = GPTNeoXJapaneseModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
