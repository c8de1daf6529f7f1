# labels: name::dit_loop author::diffusers task::Class_Conditional_Image_Generation domain::Generative_AI
# expected-models: 1
"""diffusers 0.42.1: a class-conditional DiT sampling loop written by hand: ``DiTTransformer2DModel`` (small
config: 16x16 latents with 4 channels, patch 2, 2 layers, 4 heads of 16, 10 classes; random weights)
under a ``DPMSolverMultistepScheduler`` built from its config (6 steps); prints the latents' shape and sum."""

import torch
from diffusers import DiTTransformer2DModel, DPMSolverMultistepScheduler
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
transformer = DiTTransformer2DModel(
    num_attention_heads=4,
    attention_head_dim=16,
    in_channels=4,
    out_channels=4,
    num_layers=2,
    sample_size=16,
    patch_size=2,
    num_embeds_ada_norm=10,
    norm_num_groups=8,
)
transformer.eval()
scheduler = DPMSolverMultistepScheduler(num_train_timesteps=1000)
scheduler.set_timesteps(6)

class_labels = torch.tensor([3] * batch_size)
latents = torch.randn(batch_size, 4, 16, 16)
with torch.no_grad():
    for t in scheduler.timesteps:
        timesteps = t.expand(latents.shape[0])
        out = transformer(latents, timestep=timesteps, class_labels=class_labels).sample
        latents = scheduler.step(out, t, latents).prev_sample
print("latents:", tuple(latents.shape), round(latents.sum().item(), 3))
