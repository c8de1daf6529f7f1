# labels: name::qwen2_sampling_top_p author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``Qwen2ForCausalLM`` from a tiny ``Qwen2Config`` (2 layers, hidden 64, 4 heads, 2 KV
heads, vocabulary 256; random weights), nucleus sampling ``generate(do_sample=True, top_p=0.9,
repetition_penalty=1.2)`` of 10 new tokens, seeded with ``transformers.set_seed``; prints the new token ids."""

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM, set_seed
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Qwen2Config(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                     pad_token_id=0, bos_token_id=1, eos_token_id=2)
model = Qwen2ForCausalLM(config)
model.eval()

prompt = torch.randint(3, config.vocab_size, (batch_size, 6))

set_seed(1234)
output = model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=10, do_sample=True,
                        top_p=0.9, top_k=0, repetition_penalty=1.2)
print("sampled tokens:", output[:, prompt.shape[1]:].tolist())
