# labels: name::gpt2_batch_padding author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``GPT2LMHeadModel`` from a tiny ``GPT2Config`` (2 layers, width 64, 4 heads,
vocabulary 256; random weights), a batch of 4 prompts of 4 to 10 tokens, left-padded with the
end-of-text token as pad (GPT-2 has no pad token, the usual recipe) and an ``attention_mask``; greedy
``generate()`` of 6 new tokens; prints the new token ids."""

import torch
from transformers import GPT2Config, GPT2LMHeadModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = GPT2Config(vocab_size=256, n_positions=256, n_embd=64, n_layer=2, n_head=4, bos_token_id=255,
                    eos_token_id=255)
model = GPT2LMHeadModel(config)
model.eval()

lengths = [4, 10, 7, 9] * batch_size
longest = max(lengths)
input_ids = torch.full((len(lengths), longest), config.eos_token_id)
attention_mask = torch.zeros_like(input_ids)
for i, n in enumerate(lengths):
    input_ids[i, longest - n:] = torch.randint(0, 255, (n,))
    attention_mask[i, longest - n:] = 1

output = model.generate(input_ids=input_ids, attention_mask=attention_mask, max_new_tokens=6,
                        pad_token_id=config.eos_token_id)
print("new tokens:", output[:, longest:].tolist())
