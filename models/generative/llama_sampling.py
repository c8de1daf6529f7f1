# labels: name::llama_sampling author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``LlamaForCausalLM`` from a tiny ``LlamaConfig`` (2 layers, hidden 64, 4 heads, 2 KV
heads, vocabulary 256; random weights), seeded sampling ``generate(do_sample=True, temperature=0.8,
top_k=50)`` of 12 new tokens after a prompt of 8 random token ids; prints the new token ids (the same on
every run: the seed is set right before the call)."""

import torch
from transformers import LlamaConfig, LlamaForCausalLM
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = LlamaConfig(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                     pad_token_id=0, bos_token_id=1, eos_token_id=2)
model = LlamaForCausalLM(config)
model.eval()

input_ids = torch.randint(3, config.vocab_size, (batch_size, 8))

torch.manual_seed(42)
output = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=12,
                        do_sample=True, temperature=0.8, top_k=50)
print("sampled tokens:", output[:, 8:].tolist())
