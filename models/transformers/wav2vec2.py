# labels: name::wav2vec2 author::transformers task::Speech_Recognition domain::Audio
"""transformers 5.24.0: ``Wav2Vec2Model`` (audio model) built from ``Wav2Vec2Config()`` with random weights. Default config, 94M parameters."""

import torch
from transformers import Wav2Vec2Config, Wav2Vec2Model
from mlagility.parser import parse

batch_size, max_audio_seq_length = parse(["batch_size", "max_audio_seq_length"])

torch.manual_seed(0)
config = Wav2Vec2Config()
model = Wav2Vec2Model(config)
model.eval()

inputs = {
    "input_values": torch.randn(batch_size, max_audio_seq_length),
}

model(**inputs)
