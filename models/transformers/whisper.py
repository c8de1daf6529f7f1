# labels: name::whisper author::transformers task::Speech_Recognition domain::Audio
"""transformers 5.24.0: ``WhisperModel`` (audio model) built from ``WhisperConfig()`` with random weights. Default config, 38M parameters."""

import torch
from transformers import WhisperConfig, WhisperModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = WhisperConfig()
model = WhisperModel(config)
model.eval()

inputs = {
    "input_features": torch.randn(batch_size, config.num_mel_bins, 2 * config.max_source_positions),
    "decoder_input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
}

model(**inputs)
