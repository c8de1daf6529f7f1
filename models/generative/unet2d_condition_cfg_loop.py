# labels: name::unet2d_condition_cfg_loop author::diffusers task::Text_To_Image domain::Generative_AI
# expected-models: 1
"""diffusers 0.42.1: a Stable-Diffusion-style sampling loop written by hand: ``UNet2DConditionModel`` (small
config: 16x16 latents with 4 channels, block channels (32, 64), cross-attention on 16 text states of width
64; random weights) under a ``DDIMScheduler`` built from its config (8 steps), with classifier-free
guidance (scale 7.5: the unconditional and the text embeddings in one batch of 2); random text
embeddings stand in for the text encoder; prints the latents' shape and sum."""

import torch
from diffusers import DDIMScheduler, UNet2DConditionModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
unet = UNet2DConditionModel(
    sample_size=16,
    in_channels=4,
    out_channels=4,
    layers_per_block=1,
    block_out_channels=(32, 64),
    down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
    cross_attention_dim=64,
    attention_head_dim=8,
    norm_num_groups=8,
)
unet.eval()
scheduler = DDIMScheduler(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012,
                          beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False)
scheduler.set_timesteps(8)

text_embeddings = torch.randn(batch_size, 16, 64)
uncond_embeddings = torch.zeros_like(text_embeddings)
embeddings = torch.cat([uncond_embeddings, text_embeddings])
guidance_scale = 7.5

latents = torch.randn(batch_size, 4, 16, 16) * scheduler.init_noise_sigma
with torch.no_grad():
    for t in scheduler.timesteps:
        latent_input = scheduler.scale_model_input(torch.cat([latents] * 2), t)
        noise = unet(latent_input, t, encoder_hidden_states=embeddings).sample
        noise_uncond, noise_text = noise.chunk(2)
        noise = noise_uncond + guidance_scale * (noise_text - noise_uncond)
        latents = scheduler.step(noise, t, latents).prev_sample
print("latents:", tuple(latents.shape), round(latents.sum().item(), 3))
