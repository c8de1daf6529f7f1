# labels: name::qwen3_decoder_layer author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the full decoder block (attention + MLP + norms) of Qwen3 (``transformers.models.qwen3.modeling_qwen3.Qwen3DecoderLayer``), random weights, built from the small config ``Qwen3Config(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, attn_implementation='sdpa')``."""

import torch
from transformers import Qwen3Config
from transformers.models.qwen3.modeling_qwen3 import Qwen3DecoderLayer, Qwen3RotaryEmbedding
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = Qwen3Config(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=4, head_dim=64, num_hidden_layers=1, attn_implementation='sdpa')
model = Qwen3DecoderLayer(config, layer_idx=0)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.hidden_size)
# rotary position embeddings (cos, sin), computed once outside the block (no parameters)
rotary = Qwen3RotaryEmbedding(config)
position_ids = torch.arange(max_seq_length).unsqueeze(0).expand(batch_size, -1)
position_embeddings = rotary(hidden_states, position_ids)

model(hidden_states, position_embeddings=position_embeddings, position_ids=position_ids)
