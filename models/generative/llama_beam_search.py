# labels: name::llama_beam_search author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``LlamaForCausalLM`` from a tiny ``LlamaConfig`` (2 layers, hidden 64, 4 heads, 2 KV
heads, vocabulary 256; random weights), beam search ``generate(num_beams=3)`` of 6 new tokens after 8
random prompt tokens; prints the best beam's new token ids."""

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

output = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=6,
                        num_beams=3, do_sample=False, early_stopping=True)
print("best beam:", output[:, 8:].tolist())
