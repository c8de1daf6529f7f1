# labels: name::gemma2_decoder_layer author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the full decoder block (attention + MLP + norms) of Gemma2 (``transformers.models.gemma2.modeling_gemma2.Gemma2DecoderLayer``), random weights, built from the small config ``Gemma2Config(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, attn_implementation='eager')``."""

import torch
from transformers import Gemma2Config
from transformers.models.gemma2.modeling_gemma2 import Gemma2DecoderLayer, Gemma2RotaryEmbedding
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = Gemma2Config(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, attn_implementation='eager')
model = Gemma2DecoderLayer(config, layer_idx=0)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.hidden_size)
# rotary position embeddings (cos, sin), computed once outside the block (no parameters)
rotary = Gemma2RotaryEmbedding(config)
position_ids = torch.arange(max_seq_length).unsqueeze(0).expand(batch_size, -1)
position_embeddings = rotary(hidden_states, position_ids)

model(hidden_states, position_embeddings=position_embeddings, position_ids=position_ids)
