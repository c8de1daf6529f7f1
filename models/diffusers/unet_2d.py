# labels: name::unet_2d author::diffusers task::Unconditional_Image_Generation domain::Generative_AI
"""diffusers: ``diffusers.UNet2DModel`` (DDPM-style denoising UNet), random weights, small config:
64x64 RGB samples, block channels (64, 128, 128, 256), attention in the two deepest blocks."""

import torch
from diffusers import UNet2DModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
model = UNet2DModel(
    sample_size=64,
    in_channels=3,
    out_channels=3,
    layers_per_block=2,
    block_out_channels=(64, 128, 128, 256),
    down_block_types=("DownBlock2D", "DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"),
    up_block_types=("AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
)
model.eval()

# a noisy image batch and its diffusion timestep
sample = torch.randn(batch_size, 3, 64, 64)
timestep = torch.tensor([10])

model(sample, timestep)
