# labels: name::fastspeech2_conformer author::transformers task::Feature_Extraction domain::Natural_Language_Processing
"""transformers 5.24.0: ``FastSpeech2ConformerModel`` (text model) built from ``FastSpeech2ConformerConfig()`` with random weights. Default config, 70M parameters."""

import torch
from transformers import FastSpeech2ConformerConfig, FastSpeech2ConformerModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = FastSpeech2ConformerConfig()
model = FastSpeech2ConformerModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
