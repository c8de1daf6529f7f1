# labels: name::olmo2_attention author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the self-attention of Olmo2 (``transformers.models.olmo2.modeling_olmo2.Olmo2Attention``), random weights, built from the small config ``Olmo2Config(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, attn_implementation='sdpa')``."""

import torch
from transformers import Olmo2Config
from transformers.models.olmo2.modeling_olmo2 import Olmo2Attention, Olmo2RotaryEmbedding
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = Olmo2Config(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, attn_implementation='sdpa')
model = Olmo2Attention(config, layer_idx=0)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.hidden_size)
# rotary position embeddings (cos, sin), computed once outside the block (no parameters)
rotary = Olmo2RotaryEmbedding(config)
position_ids = torch.arange(max_seq_length).unsqueeze(0).expand(batch_size, -1)
position_embeddings = rotary(hidden_states, position_ids)

model(hidden_states, position_embeddings=position_embeddings, attention_mask=None)
