# labels: name::qwen3_moe_attention author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the self-attention of Qwen3Moe (``transformers.models.qwen3_moe.modeling_qwen3_moe.Qwen3MoeAttention``), random weights, built from the small config ``Qwen3MoeConfig(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, num_experts=8, num_experts_per_tok=2, moe_intermediate_size=704, attn_implementation='sdpa')``."""

import torch
from transformers import Qwen3MoeConfig
from transformers.models.qwen3_moe.modeling_qwen3_moe import Qwen3MoeAttention, Qwen3MoeRotaryEmbedding
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = Qwen3MoeConfig(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, num_experts=8, num_experts_per_tok=2, moe_intermediate_size=704, attn_implementation='sdpa')
model = Qwen3MoeAttention(config, layer_idx=0)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.hidden_size)
# rotary position embeddings (cos, sin), computed once outside the block (no parameters)
rotary = Qwen3MoeRotaryEmbedding(config)
position_ids = torch.arange(max_seq_length).unsqueeze(0).expand(batch_size, -1)
position_embeddings = rotary(hidden_states, position_ids)

model(hidden_states, position_embeddings=position_embeddings, attention_mask=None)
