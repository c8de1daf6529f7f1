# labels: name::bart_generate author::transformers task::Summarization domain::Natural_Language_Processing
"""transformers 5.24.0: ``BartForConditionalGeneration`` (encoder-decoder) from a tiny ``BartConfig`` (2+2
layers, d_model 64, 4 heads, vocabulary 256; random weights), beam search ``generate(num_beams=2)`` of
at most 8 tokens from 16 random input ids (a summary, as BART is used); prints the decoder's token ids."""

import torch
from transformers import BartConfig, BartForConditionalGeneration
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = BartConfig(vocab_size=256, d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                    decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128,
                    max_position_embeddings=128, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                    decoder_start_token_id=2, forced_bos_token_id=0)
model = BartForConditionalGeneration(config)
model.eval()

input_ids = torch.randint(3, config.vocab_size, (batch_size, 16))

summary_ids = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), num_beams=2,
                             max_new_tokens=8, min_length=3)
print("summary tokens:", summary_ids.tolist())
