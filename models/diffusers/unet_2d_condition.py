# labels: name::unet_2d_condition author::diffusers task::Text_To_Image domain::Generative_AI
"""diffusers: ``diffusers.UNet2DConditionModel`` (the text-conditioned UNet of Stable Diffusion), random
weights, small config: 32x32 latents with 4 channels, block channels (64, 128, 256), cross-attention on
77 text-encoder states of width 256."""

import torch
from diffusers import UNet2DConditionModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
model = UNet2DConditionModel(
    sample_size=32,
    in_channels=4,
    out_channels=4,
    layers_per_block=1,
    block_out_channels=(64, 128, 256),
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    cross_attention_dim=256,
    attention_head_dim=8,
)
model.eval()

# noisy latents, the diffusion timestep and the text encoder's hidden states
sample = torch.randn(batch_size, 4, 32, 32)
timestep = torch.tensor([10])
encoder_hidden_states = torch.randn(batch_size, 77, 256)

model(sample, timestep, encoder_hidden_states=encoder_hidden_states)
