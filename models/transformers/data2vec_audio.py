# labels: name::data2vec_audio author::transformers task::Speech_Recognition domain::Audio
"""transformers 5.24.0: ``Data2VecAudioModel`` (audio model) built from ``Data2VecAudioConfig()`` with random weights. Default config, 93M parameters."""

import torch
from transformers import Data2VecAudioConfig, Data2VecAudioModel
from mlagility.parser import parse

batch_size, max_audio_seq_length = parse(["batch_size", "max_audio_seq_length"])

torch.manual_seed(0)
config = Data2VecAudioConfig()
model = Data2VecAudioModel(config)
model.eval()

inputs = {
    "input_values": torch.randn(batch_size, max_audio_seq_length),
}

model(**inputs)
