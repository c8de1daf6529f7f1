# labels: name::embedding_gemma2_text author::transformers task::Feature_Extraction domain::Natural_Language_Processing
"""transformers 5.24.0: ``EmbeddingGemma2TextModel`` (text model) built from ``EmbeddingGemma2TextConfig()`` with random weights. Default config, 271M parameters."""

import torch
from transformers import EmbeddingGemma2TextConfig, EmbeddingGemma2TextModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = EmbeddingGemma2TextConfig()
model = EmbeddingGemma2TextModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
