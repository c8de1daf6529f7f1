# labels: name::gpt2_decode_loop_sampling author::transformers task::Text_Generation domain::Natural_Language_Processing
# expected-models: 1
"""transformers 5.24.0: ``GPT2LMHeadModel`` from a tiny ``GPT2Config`` (2 layers, width 64, 4 heads,
vocabulary 256; random weights) driven by a hand-written sampling loop (temperature 0.7, top-k 20,
``torch.multinomial`` with a seeded ``torch.Generator``): a prefill on 6 random tokens, then 10 one-token
steps, each with the cache, ``attention_mask`` and ``position_ids`` it needs; prints the sampled token ids."""

import torch
from transformers import GPT2Config, GPT2LMHeadModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = GPT2Config(vocab_size=256, n_positions=256, n_embd=64, n_layer=2, n_head=4)
model = GPT2LMHeadModel(config)
model.eval()

tokens = torch.randint(0, config.vocab_size, (batch_size, 6))
attention_mask = torch.ones_like(tokens)
rng = torch.Generator().manual_seed(7)


def sample(logits, temperature=0.7, top_k=20):
    logits = logits / temperature
    values, indices = torch.topk(logits, top_k, dim=-1)
    probs = torch.softmax(values, dim=-1)
    return indices.gather(-1, torch.multinomial(probs, 1, generator=rng))


cache = None
step_input = tokens
new = []
with torch.inference_mode():
    for _ in range(10):
        position_ids = torch.arange(attention_mask.shape[1] - step_input.shape[1], attention_mask.shape[1])
        out = model(step_input, past_key_values=cache, attention_mask=attention_mask,
                    position_ids=position_ids.unsqueeze(0).expand(step_input.shape[0], -1), use_cache=True)
        cache = out.past_key_values
        step_input = sample(out.logits[:, -1, :])
        new.append(step_input)
        attention_mask = torch.cat([attention_mask, torch.ones_like(step_input)], dim=1)
print("sampled tokens:", torch.cat(new, dim=1).tolist())
