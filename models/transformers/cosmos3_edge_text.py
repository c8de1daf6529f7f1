# labels: name::cosmos3_edge_text author::transformers task::Feature_Extraction domain::Natural_Language_Processing
"""transformers 5.24.0: ``Cosmos3EdgeTextModel`` (text model) built from ``Cosmos3EdgeTextConfig(num_hidden_layers=2)`` with random weights. The default config has 1.7B parameters; this script keeps 2 layers (369M parameters)."""

import torch
from transformers import Cosmos3EdgeTextConfig, Cosmos3EdgeTextModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = Cosmos3EdgeTextConfig(num_hidden_layers=2)
model = Cosmos3EdgeTextModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
