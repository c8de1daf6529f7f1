# labels: name::speech_to_text author::transformers task::Speech_Recognition domain::Audio
"""transformers 5.24.0: ``Speech2TextModel`` (audio model) built from ``Speech2TextConfig()`` with random weights. Default config, 30M parameters."""

import torch
from transformers import Speech2TextConfig, Speech2TextModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = Speech2TextConfig()
model = Speech2TextModel(config)
model.eval()

inputs = {
    "input_features": torch.randn(batch_size, 584, config.input_feat_per_channel),
    "decoder_input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
}

model(**inputs)
