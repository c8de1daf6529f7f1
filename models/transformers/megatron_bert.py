# labels: name::megatron_bert author::transformers task::Fill_Mask domain::Natural_Language_Processing
"""transformers 5.24.0: ``MegatronBertModel`` (text model) built from ``MegatronBertConfig()`` with random weights. Default config, 334M parameters."""

import torch
from transformers import MegatronBertConfig, MegatronBertModel
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = MegatronBertConfig()
model = MegatronBertModel(config)
model.eval()

inputs = {
    "input_ids": torch.randint(0, config.vocab_size, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),
}

model(**inputs)
