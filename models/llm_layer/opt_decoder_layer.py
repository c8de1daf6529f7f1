# labels: name::opt_decoder_layer author::transformers task::Text_Generation domain::Natural_Language_Processing
"""transformers 5.24.0: the full decoder block (attention + MLP + norms) of OPT (``transformers.models.opt.modeling_opt.OPTDecoderLayer``), random weights, built from the small config ``OPTConfig(hidden_size=1024, ffn_dim=4096, num_attention_heads=16, num_hidden_layers=1, attn_implementation='sdpa')``."""

import torch
from transformers import OPTConfig
from transformers.models.opt.modeling_opt import OPTDecoderLayer
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])

torch.manual_seed(0)
config = OPTConfig(hidden_size=1024, ffn_dim=4096, num_attention_heads=16, num_hidden_layers=1, attn_implementation='sdpa')
model = OPTDecoderLayer(config, layer_idx=0)
model.eval()

hidden_states = torch.randn(batch_size, max_seq_length, config.hidden_size)

model(hidden_states)
