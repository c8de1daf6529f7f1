# labels: name::deepseek_v3_moe author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the mixture-of-experts feed-forward of DeepseekV3 (``transformers.models.deepseek_v3.modeling_deepseek_v3.DeepseekV3MoE``), random weights, built from the small config ``DeepseekV3Config(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=32, num_hidden_layers=1, n_routed_experts=8, num_experts_per_tok=2, moe_intermediate_size=704, n_group=2, topk_group=1, q_lora_rank=256, kv_lora_rank=128, qk_rope_head_dim=32, qk_nope_head_dim=32, v_head_dim=64, first_k_dense_replace=0, attn_implementation='sdpa')``."""

import torch
from transformers import DeepseekV3Config
from transformers.models.deepseek_v3.modeling_deepseek_v3 import DeepseekV3MoE
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = DeepseekV3Config(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=32, num_hidden_layers=1, n_routed_experts=8, num_experts_per_tok=2, moe_intermediate_size=704, n_group=2, topk_group=1, q_lora_rank=256, kv_lora_rank=128, qk_rope_head_dim=32, qk_nope_head_dim=32, v_head_dim=64, first_k_dense_replace=0, attn_implementation='sdpa')
model = DeepseekV3MoE(config)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.hidden_size)

model(hidden_states)
