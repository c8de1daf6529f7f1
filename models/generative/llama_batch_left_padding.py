# labels: name::llama_batch_left_padding author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``LlamaForCausalLM`` from a tiny ``LlamaConfig`` (2 layers, hidden 64, 4 heads, 2 KV
heads, vocabulary 256; random weights), greedy ``generate()`` of 8 new tokens for a batch of 3 prompts of
different lengths (5, 8 and 3 tokens), left-padded with the pad token and an ``attention_mask`` (as a
tokenizer with ``padding_side="left"`` makes them); prints the new token ids per prompt."""

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

# prompts of different lengths, left-padded to the longest
lengths = [5, 8, 3] * batch_size
prompts = [torch.randint(3, config.vocab_size, (n,)) for n in lengths]
width = max(lengths)
input_ids = torch.full((len(prompts), width), config.pad_token_id)
attention_mask = torch.zeros((len(prompts), width), dtype=torch.long)
for row, prompt in enumerate(prompts):
    input_ids[row, width - len(prompt):] = prompt
    attention_mask[row, width - len(prompt):] = 1

output = model.generate(input_ids, attention_mask=attention_mask, max_new_tokens=8, do_sample=False,
                        pad_token_id=config.pad_token_id)
print("new tokens:", output[:, width:].tolist())
