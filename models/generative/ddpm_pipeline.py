# labels: name::ddpm_pipeline author::diffusers task::Unconditional_Image_Generation domain::Generative_AI
# expected-models: 1
"""diffusers 0.42.1: ``DDPMPipeline(unet, scheduler)`` built from components: a small ``UNet2DModel`` (32x32 RGB,
block channels (32, 64), one attention block; random weights) and a ``DDPMScheduler`` from its config; 10
inference steps from a seeded generator, ``output_type="np"``; prints the images' shape and sum."""

import torch
from diffusers import DDPMPipeline, DDPMScheduler, UNet2DModel
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
scheduler = DDPMScheduler(num_train_timesteps=1000)
pipe = DDPMPipeline(unet=unet, scheduler=scheduler)
pipe.set_progress_bar_config(disable=True)

images = pipe(batch_size=batch_size, num_inference_steps=10, generator=torch.Generator().manual_seed(0),
              output_type="np").images
print("images:", images.shape, round(float(images.sum()), 3))
