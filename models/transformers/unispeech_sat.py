# labels: name::unispeech_sat author::transformers task::Speech_Recognition domain::Audio
"""transformers 5.24.0: ``UniSpeechSatModel`` (audio model) built from ``UniSpeechSatConfig()`` with random weights. Default config, 94M parameters."""

import torch
from transformers import UniSpeechSatConfig, UniSpeechSatModel
from mlagility.parser import parse

batch_size, max_audio_seq_length = parse(["batch_size", "max_audio_seq_length"])

torch.manual_seed(0)
config = UniSpeechSatConfig()
model = UniSpeechSatModel(config)
model.eval()

inputs = {
    "input_values": torch.randn(batch_size, max_audio_seq_length),
}

model(**inputs)
