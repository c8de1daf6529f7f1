# labels: name::deepseek_v3_generate author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``DeepseekV3ForCausalLM`` (DeepSeek-V3 (multi-head latent attention, 4 routed experts)) built from a tiny ``DeepseekV3Config`` (random weights, nothing
downloaded), greedy ``generate()`` of 8 new tokens after a prompt of 8 random token ids; prints the new
token ids. Config: ``DeepseekV3Config(vocab_size=256, hidden_size=64, intermediate_size=128, moe_intermediate_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4, n_routed_experts=4, num_experts_per_tok=2, n_group=1, topk_group=1, first_k_dense_replace=1, q_lora_rank=32, kv_lora_rank=16, qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=16, max_position_embeddings=256)``."""

import torch
from transformers import DeepseekV3Config, DeepseekV3ForCausalLM
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = DeepseekV3Config(vocab_size=256, hidden_size=64, intermediate_size=128, moe_intermediate_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4, n_routed_experts=4, num_experts_per_tok=2, n_group=1, topk_group=1, first_k_dense_replace=1, q_lora_rank=32, kv_lora_rank=16, qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=16, max_position_embeddings=256, pad_token_id=0, bos_token_id=1, eos_token_id=2)
model = DeepseekV3ForCausalLM(config)
model.eval()

prompt_length = 8
input_ids = torch.randint(3, config.vocab_size, (batch_size, prompt_length))
attention_mask = torch.ones_like(input_ids)

output = model.generate(input_ids, attention_mask=attention_mask, max_new_tokens=8, do_sample=False)
print("new tokens:", output[:, prompt_length:].tolist())
