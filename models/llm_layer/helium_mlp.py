# labels: name::helium_mlp author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the feed-forward MLP of Helium (``transformers.models.helium.modeling_helium.HeliumMLP``), random weights, built from the small config ``HeliumConfig(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, attn_implementation='sdpa')``."""

import torch
from transformers import HeliumConfig
from transformers.models.helium.modeling_helium import HeliumMLP
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = HeliumConfig(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, attn_implementation='sdpa')
model = HeliumMLP(config)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.hidden_size)

model(hidden_states)
