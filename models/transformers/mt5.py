# labels: name::mt5 author::transformers task::Text2Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``MT5Model`` (text model) built from ``MT5Config()`` with random weights. Default config, 172M parameters."""

import torch
from transformers import MT5Config, MT5Model
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = MT5Config()
model = MT5Model(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
    "decoder_input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
}

model(**inputs)
