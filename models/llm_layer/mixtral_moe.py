# labels: name::mixtral_moe author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the mixture-of-experts feed-forward of Mixtral (``transformers.models.mixtral.modeling_mixtral.MixtralSparseMoeBlock``), random weights, built from the small config ``MixtralConfig(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, num_local_experts=8, num_experts_per_tok=2, attn_implementation='sdpa')``."""

import torch
from transformers import MixtralConfig
from transformers.models.mixtral.modeling_mixtral import MixtralSparseMoeBlock
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = MixtralConfig(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, num_local_experts=8, num_experts_per_tok=2, attn_implementation='sdpa')
model = MixtralSparseMoeBlock(config)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.hidden_size)

model(hidden_states)
