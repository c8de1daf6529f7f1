# labels: name::gpt2_mlp author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the feed-forward MLP of GPT2 (``transformers.models.gpt2.modeling_gpt2.GPT2MLP``), random weights, built from the small config ``GPT2Config(n_embd=1024, n_head=16, n_layer=1)``."""

import torch
from transformers import GPT2Config
from transformers.models.gpt2.modeling_gpt2 import GPT2MLP
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = GPT2Config(n_embd=1024, n_head=16, n_layer=1)
model = GPT2MLP(4 * config.n_embd, config)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.n_embd)

model(hidden_states)
