# labels: name::wav2vec2_conformer author::transformers task::Speech_Recognition domain::Audio
"""transformers 5.24.0: ``Wav2Vec2ConformerModel`` (audio model) built from ``Wav2Vec2ConformerConfig()`` with random weights. Default config, 180M parameters."""

import torch
from transformers import Wav2Vec2ConformerConfig, Wav2Vec2ConformerModel
from mlagility.parser import parse

batch_size, max_audio_seq_length = parse(["batch_size", "max_audio_seq_length"])

torch.manual_seed(0)
config = Wav2Vec2ConformerConfig()
model = Wav2Vec2ConformerModel(config)
model.eval()

inputs = {
    "input_values": torch.randn(batch_size, max_audio_seq_length),
}

model(**inputs)
