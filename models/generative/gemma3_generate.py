# labels: name::gemma3_generate author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``Gemma3ForCausalLM`` (Gemma 3 (text)) built from a tiny ``Gemma3TextConfig`` (random weights, nothing
downloaded), greedy ``generate()`` of 8 new tokens after a prompt of 8 random token ids; prints the new
token ids. Config: ``Gemma3TextConfig(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=256)``."""

import torch
from transformers import Gemma3TextConfig, Gemma3ForCausalLM
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Gemma3TextConfig(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=256, pad_token_id=0, bos_token_id=1, eos_token_id=2)
model = Gemma3ForCausalLM(config)
model.eval()

prompt_length = 8
input_ids = torch.randint(3, config.vocab_size, (batch_size, prompt_length))
attention_mask = torch.ones_like(input_ids)

output = model.generate(input_ids, attention_mask=attention_mask, max_new_tokens=8, do_sample=False)
print("new tokens:", output[:, prompt_length:].tolist())
