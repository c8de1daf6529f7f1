# labels: name::gpt_neox_mlp author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the feed-forward MLP of GPTNeoX (``transformers.models.gpt_neox.modeling_gpt_neox.GPTNeoXMLP``), random weights, built from the small config ``GPTNeoXConfig(hidden_size=1024, intermediate_size=4096, num_attention_heads=16, num_hidden_layers=1, attn_implementation='sdpa')``."""

import torch
from transformers import GPTNeoXConfig
from transformers.models.gpt_neox.modeling_gpt_neox import GPTNeoXMLP
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = GPTNeoXConfig(hidden_size=1024, intermediate_size=4096, num_attention_heads=16, num_hidden_layers=1, attn_implementation='sdpa')
model = GPTNeoXMLP(config)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.hidden_size)

model(hidden_states)
