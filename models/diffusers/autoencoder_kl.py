# labels: name::autoencoder_kl author::diffusers task::Image_Autoencoding domain::Generative_AI
"""diffusers: ``diffusers.AutoencoderKL`` (the VAE of latent diffusion), random weights, small config:
block channels (64, 128, 256), 4 latent channels, 128x128 RGB images."""

import torch
from diffusers import AutoencoderKL
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
model = AutoencoderKL(
    in_channels=3,
    out_channels=3,
    down_block_types=("DownEncoderBlock2D",) * 3,
    up_block_types=("UpDecoderBlock2D",) * 3,
    block_out_channels=(64, 128, 256),
    layers_per_block=1,
    latent_channels=4,
    sample_size=128,
)
model.eval()

images = torch.rand(batch_size, 3, 128, 128) * 2 - 1

model(images)
