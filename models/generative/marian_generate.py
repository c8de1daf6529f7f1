# labels: name::marian_generate author::transformers task::Translation domain::Natural_Language_Processing
"""transformers 5.24.0: ``MarianMTModel`` (the Opus-MT translation encoder-decoder) from a tiny
``MarianConfig`` (2+2 layers, d_model 64, 4 heads, vocabulary 256; random weights), greedy
``generate()`` of 8 tokens from 10 random source ids; prints the translation's token ids."""

import torch
from transformers import MarianConfig, MarianMTModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = MarianConfig(vocab_size=256, d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                      decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128,
                      max_position_embeddings=128, pad_token_id=255, eos_token_id=0,
                      decoder_start_token_id=255)
model = MarianMTModel(config)
model.eval()

source = torch.randint(1, 255, (batch_size, 10))

translated = model.generate(input_ids=source, attention_mask=torch.ones_like(source), max_new_tokens=8,
                            num_beams=1, do_sample=False)
print("translation tokens:", translated.tolist())
