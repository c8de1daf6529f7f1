# labels: name::t5_generate author::transformers task::Text2Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: ``T5ForConditionalGeneration`` (encoder-decoder) from a tiny ``T5Config`` (2 encoder
and 2 decoder layers, d_model 64, 4 heads, vocabulary 256; random weights), greedy ``generate()`` of 8
tokens from 12 random input ids; prints the decoder's token ids."""

import torch
from transformers import T5Config, T5ForConditionalGeneration
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = T5Config(vocab_size=256, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_decoder_layers=2,
                  num_heads=4, decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
model = T5ForConditionalGeneration(config)
model.eval()

input_ids = torch.randint(2, config.vocab_size, (batch_size, 12))

output = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=8, do_sample=False)
print("decoded tokens:", output.tolist())
