# labels: name::sew author::transformers task::Speech_Recognition domain::Audio
"""transformers 5.24.0: ``SEWModel`` (audio model) built from ``SEWConfig()`` with random weights. Default config, 93M parameters."""

import torch
from transformers import SEWConfig, SEWModel
from mlagility.parser import parse

batch_size, max_audio_seq_length = parse(["batch_size", "max_audio_seq_length"])

torch.manual_seed(0)
config = SEWConfig()
model = SEWModel(config)
model.eval()

inputs = {
    "input_values": torch.randn(batch_size, max_audio_seq_length),
}

model(**inputs)
