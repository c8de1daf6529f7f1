# labels: name::qwen3_decode_loop_static_cache author::transformers task::Text_Generation domain::Natural_Language_Processing
# expected-models: 1
"""transformers 5.24.0: ``Qwen3ForCausalLM`` from a tiny ``Qwen3Config`` (2 layers, hidden 64, 4 heads, 2 KV
heads, vocabulary 256; random weights) in a hand-written greedy loop over a ``StaticCache`` of 32
positions (``cache_position`` given at each step, the recipe for ``torch.compile``): a prefill on 8 random
tokens, then 6 one-token steps; prints the new token ids."""

import torch
from transformers import Qwen3Config, Qwen3ForCausalLM, StaticCache
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = Qwen3Config(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=256,
                     pad_token_id=0, bos_token_id=1, eos_token_id=2)
model = Qwen3ForCausalLM(config)
model.eval()

prompt = torch.randint(3, config.vocab_size, (batch_size, 8))
cache = StaticCache(config=config, max_cache_len=32)

with torch.no_grad():
    cache_position = torch.arange(prompt.shape[1])
    logits = model(prompt, past_key_values=cache, cache_position=cache_position, use_cache=True).logits
    token = logits[:, -1:].argmax(-1)
    new_tokens = [token]
    for _ in range(5):
        cache_position = cache_position[-1:] + 1
        logits = model(token, past_key_values=cache, cache_position=cache_position, use_cache=True).logits
        token = logits[:, -1:].argmax(-1)
        new_tokens.append(token)
print("new tokens:", torch.cat(new_tokens, dim=1).tolist())
