# labels: name::data2vec_text author::transformers task::Fill_Mask domain::Natural_Language_Processing
"""transformers 5.24.0: ``Data2VecTextModel`` (text model) built from ``Data2VecTextConfig()`` with random weights. Default config, 109M parameters."""

import torch
from transformers import Data2VecTextConfig, Data2VecTextModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = Data2VecTextConfig()
model = Data2VecTextModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
