# labels: name::ddim_pipeline author::diffusers task::Unconditional_Image_Generation domain::Generative_AI
# expected-models: 1
"""diffusers 0.42.1: ``DDIMPipeline(unet, scheduler)`` built from components: a small ``UNet2DModel`` (32x32 RGB,
block channels (32, 64), no attention; random weights) and a ``DDIMScheduler`` from its config; 5 steps,
``eta=0`` (deterministic) from a seeded generator, tensor output; prints the images' shape and sum."""

import torch
from diffusers import DDIMPipeline, DDIMScheduler, UNet2DModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
unet = UNet2DModel(sample_size=32, in_channels=3, out_channels=3, layers_per_block=1, block_out_channels=(32, 64),
                   down_block_types=("DownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "UpBlock2D"),
                   norm_num_groups=8)
scheduler = DDIMScheduler(num_train_timesteps=1000)
pipe = DDIMPipeline(unet=unet, scheduler=scheduler)
pipe.set_progress_bar_config(disable=True)

output = pipe(batch_size=batch_size, num_inference_steps=5, eta=0.0, generator=torch.Generator().manual_seed(0),
              output_type="pt")
print("images:", tuple(output.images.shape), round(output.images.sum().item(), 3))
