# labels: name::unet_1d author::diffusers task::Audio_Generation domain::Generative_AI
"""diffusers: ``diffusers.UNet1DModel`` (the 1D UNet of Dance Diffusion), random weights, small config:
2-channel audio of 4,096 samples, block channels (32, 32, 64)."""

import torch
from diffusers import UNet1DModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
model = UNet1DModel(
    sample_size=4096,
    in_channels=2,
    out_channels=2,
    extra_in_channels=64,  # the Fourier timestep features (2 x 32) concatenated to the audio
    block_out_channels=(32, 32, 64),
    down_block_types=("DownBlock1DNoSkip", "DownBlock1D", "AttnDownBlock1D"),
    up_block_types=("AttnUpBlock1D", "UpBlock1D", "UpBlock1DNoSkip"),
    mid_block_type="UNetMidBlock1D",
    use_timestep_embedding=False,
    flip_sin_to_cos=True,
    downsample_each_block=False,
    time_embedding_type="fourier",
)
model.eval()

sample = torch.randn(batch_size, 2, 4096)
timestep = torch.tensor([10])

model(sample, timestep)
