# labels: name::ddpm_unet2d_loop author::diffusers task::Unconditional_Image_Generation domain::Generative_AI
# expected-models: 1
"""diffusers 0.42.1: a hand-written denoising loop: ``UNet2DModel`` (small config: 32x32 RGB, block channels
(32, 64), one attention down/up block; random weights) under a ``DDPMScheduler`` built from its config
(1,000 training steps, 10 inference steps), starting from seeded noise; prints the image's shape and sum."""

import torch
from diffusers import DDPMScheduler, UNet2DModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
unet = UNet2DModel(
    sample_size=32,
    in_channels=3,
    out_channels=3,
    layers_per_block=1,
    block_out_channels=(32, 64),
    down_block_types=("DownBlock2D", "AttnDownBlock2D"),
    up_block_types=("AttnUpBlock2D", "UpBlock2D"),
    norm_num_groups=8,
)
unet.eval()
scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear")
scheduler.set_timesteps(10)

generator = torch.Generator().manual_seed(0)
image = torch.randn((batch_size, 3, 32, 32), generator=generator)
with torch.no_grad():
    for t in scheduler.timesteps:
        noise_pred = unet(image, t).sample
        image = scheduler.step(noise_pred, t, image, generator=generator).prev_sample
image = (image / 2 + 0.5).clamp(0, 1)
print("image:", tuple(image.shape), round(image.sum().item(), 3))
