# labels: name::sew_d author::transformers task::Speech_Recognition domain::Audio
"""transformers 5.24.0: ``SEWDModel`` (audio model) built from ``SEWDConfig()`` with random weights. Default config, 94M parameters."""

import torch
from transformers import SEWDConfig, SEWDModel
from mlagility.parser import parse

batch_size, max_audio_seq_length = parse(["batch_size", "max_audio_seq_length"])

torch.manual_seed(0)
config = SEWDConfig()
model = SEWDModel(config)
model.eval()

inputs = {
    "input_values": torch.randn(batch_size, max_audio_seq_length),
}

model(**inputs)
