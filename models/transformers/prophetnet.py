# labels: name::prophetnet author::transformers task::Text2Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``ProphetNetModel`` (text model) built from ``ProphetNetConfig()`` with random weights. Default config, 391M parameters."""

import torch
from transformers import ProphetNetConfig, ProphetNetModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = ProphetNetConfig()
model = ProphetNetModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
    "decoder_input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
}

model(**inputs)
