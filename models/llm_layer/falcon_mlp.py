# labels: name::falcon_mlp author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the feed-forward MLP of Falcon (``transformers.models.falcon.modeling_falcon.FalconMLP``), random weights, built from the small config ``FalconConfig(hidden_size=1024, num_attention_heads=16, num_hidden_layers=1, attn_implementation='sdpa')``."""

import torch
from transformers import FalconConfig
from transformers.models.falcon.modeling_falcon import FalconMLP
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = FalconConfig(hidden_size=1024, num_attention_heads=16, num_hidden_layers=1, attn_implementation='sdpa')
model = FalconMLP(config)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.hidden_size)

model(hidden_states)
