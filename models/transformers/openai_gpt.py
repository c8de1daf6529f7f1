# labels: name::openai_gpt author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``OpenAIGPTModel`` (text model) built from ``OpenAIGPTConfig()`` with random weights. Default config, 117M parameters."""

import torch
from transformers import OpenAIGPTConfig, OpenAIGPTModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = OpenAIGPTConfig()
model = OpenAIGPTModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
