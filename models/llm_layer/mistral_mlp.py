# labels: name::mistral_mlp author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the feed-forward MLP of Mistral (``transformers.models.mistral.modeling_mistral.MistralMLP``), random weights, built from the small config ``MistralConfig(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, attn_implementation='sdpa')``."""

import torch
from transformers import MistralConfig
from transformers.models.mistral.modeling_mistral import MistralMLP
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = MistralConfig(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, attn_implementation='sdpa')
model = MistralMLP(config)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.hidden_size)

model(hidden_states)
