# labels: name::unispeech author::transformers task::Speech_Recognition domain::Audio
"""transformers 5.24.0: ``UniSpeechModel`` (audio model) built from ``UniSpeechConfig()`` with random weights. Default config, 94M parameters."""

import torch
from transformers import UniSpeechConfig, UniSpeechModel
from mlagility.parser import parse

batch_size, max_audio_seq_length = parse(["batch_size", "max_audio_seq_length"])

torch.manual_seed(0)
config = UniSpeechConfig()
model = UniSpeechModel(config)
model.eval()

inputs = {
    "input_values": torch.randn(batch_size, max_audio_seq_length),
}

model(**inputs)
