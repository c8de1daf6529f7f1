# labels: name::pocket_tts author::transformers task::Feature_Extraction domain::Natural_Language_Processing
"""transformers 5.24.0: ``PocketTTSModel`` (text model) built from ``PocketTTSConfig()`` with random weights. Default config, 80M parameters."""

import torch
from transformers import PocketTTSConfig, PocketTTSModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = PocketTTSConfig()
model = PocketTTSModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
