# labels: name::whisper_generate author::transformers task::Automatic_Speech_Recognition domain::Audio
"""transformers 5.24.0: ``WhisperForConditionalGeneration`` from a tiny ``WhisperConfig`` (2+2 layers,
d_model 64, 4 heads, 80 mel bins, 3,000 input frames as the real model takes 30 s of audio, vocabulary
300; random weights), greedy ``generate()`` of 8 tokens from random log-mel ``input_features``; prints
the transcription's token ids."""

import torch
from transformers import WhisperConfig, WhisperForConditionalGeneration
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = WhisperConfig(vocab_size=300, num_mel_bins=80, d_model=64, encoder_layers=2, decoder_layers=2,
                       encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=128,
                       decoder_ffn_dim=128, max_source_positions=1500, max_target_positions=64,
                       pad_token_id=299, bos_token_id=298, eos_token_id=299, decoder_start_token_id=298,
                       suppress_tokens=[], begin_suppress_tokens=[])
model = WhisperForConditionalGeneration(config)
model.eval()

# 30 s of audio as 80 log-mel bins x 3000 frames
input_features = torch.randn(batch_size, config.num_mel_bins, 3000)

predicted_ids = model.generate(input_features, max_new_tokens=8)
print("transcription tokens:", predicted_ids.tolist())
