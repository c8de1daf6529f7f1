# labels: name::moonshine author::transformers task::Audio_Feature_Extraction domain::Audio
"""transformers 5.24.0: ``MoonshineModel`` (audio model) built from ``MoonshineConfig()`` with random weights. Default config, 27M parameters."""

import torch
from transformers import MoonshineConfig, MoonshineModel
from mlagility.parser import parse

batch_size, max_audio_seq_length, max_seq_length = parse(["batch_size", "max_audio_seq_length", "max_seq_length"])

torch.manual_seed(0)
config = MoonshineConfig()
model = MoonshineModel(config)
model.eval()

inputs = {
    "input_values": torch.randn(batch_size, max_audio_seq_length),
    "decoder_input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
}

model(**inputs)
