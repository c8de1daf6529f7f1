# labels: name::llama_decode_loop author::transformers task::Text_Generation domain::Natural_Language_Processing
# expected-models: 1
"""transformers 5.24.0: ``LlamaForCausalLM`` from a tiny ``LlamaConfig`` (2 layers, hidden 64, 4 heads, 2 KV
heads, vocabulary 256; random weights) driven by a hand-written greedy decode loop instead of
``generate()``: one prefill call on 8 random prompt tokens, then 8 decode calls of one token each, every
call given the ``past_key_values`` (a ``DynamicCache``) the previous call returned; prints the new token ids."""

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

generated = []
past_key_values = None
next_input = input_ids
with torch.no_grad():
    for step in range(8):
        out = model(input_ids=next_input, past_key_values=past_key_values, use_cache=True)
        past_key_values = out.past_key_values
        next_token = out.logits[:, -1, :].argmax(dim=-1, keepdim=True)
        generated.append(next_token)
        next_input = next_token
print("new tokens:", torch.cat(generated, dim=1).tolist())
