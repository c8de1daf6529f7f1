# labels: name::fnet author::transformers task::Fill_Mask domain::Natural_Language_Processing
"""transformers 5.24.0: ``FNetModel`` (text model) built from ``FNetConfig()`` with random weights. Default config, 83M parameters."""

import torch
from transformers import FNetConfig, FNetModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = FNetConfig()
model = FNetModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
}

model(**inputs)
