# labels: name::gpt2_generate author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``GPT2LMHeadModel`` (GPT-2) built from a tiny ``GPT2Config`` (random weights, nothing
downloaded), greedy ``generate()`` of 8 new tokens after a prompt of 8 random token ids; prints the new
token ids. Config: ``GPT2Config(vocab_size=256, n_positions=256, n_embd=64, n_layer=2, n_head=4)``."""

import torch
from transformers import GPT2Config, GPT2LMHeadModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = GPT2Config(vocab_size=256, n_positions=256, n_embd=64, n_layer=2, n_head=4, pad_token_id=0, bos_token_id=1, eos_token_id=2)
model = GPT2LMHeadModel(config)
model.eval()

prompt_length = 8
input_ids = torch.randint(3, config.vocab_size, (batch_size, prompt_length))
attention_mask = torch.ones_like(input_ids)

output = model.generate(input_ids, attention_mask=attention_mask, max_new_tokens=8, do_sample=False)
print("new tokens:", output[:, prompt_length:].tolist())
