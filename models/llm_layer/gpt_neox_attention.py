# labels: name::gpt_neox_attention author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the self-attention of GPTNeoX (``transformers.models.gpt_neox.modeling_gpt_neox.GPTNeoXAttention``), random weights, built from the small config ``GPTNeoXConfig(hidden_size=1024, intermediate_size=4096, num_attention_heads=16, num_hidden_layers=1, attn_implementation='sdpa')``."""

import torch
from transformers import GPTNeoXConfig
from transformers.models.gpt_neox.modeling_gpt_neox import GPTNeoXAttention, GPTNeoXRotaryEmbedding
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = GPTNeoXConfig(hidden_size=1024, intermediate_size=4096, num_attention_heads=16, num_hidden_layers=1, attn_implementation='sdpa')
model = GPTNeoXAttention(config, layer_idx=0)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.hidden_size)
# rotary position embeddings (cos, sin), computed once outside the block (no parameters)
rotary = GPTNeoXRotaryEmbedding(config)
position_ids = torch.arange(max_seq_length).unsqueeze(0).expand(batch_size, -1)
position_embeddings = rotary(hidden_states, position_ids)

model(hidden_states, position_embeddings=position_embeddings, attention_mask=None)
