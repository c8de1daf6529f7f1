# labels: name::dit_transformer_2d author::diffusers task::Class_Conditional_Image_Generation domain::Generative_AI
"""diffusers: ``diffusers.DiTTransformer2DModel`` (Diffusion Transformer), random weights, small config:
6 layers of 6 heads x 64, patch size 2 on 32x32 latents with 4 channels, 1000 classes."""

import torch
from diffusers import DiTTransformer2DModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
model = DiTTransformer2DModel(
    num_attention_heads=6,
    attention_head_dim=64,
    in_channels=4,
    num_layers=6,
    sample_size=32,
    patch_size=2,
    num_embeds_ada_norm=1000,
)
model.eval()

# noisy latents, the diffusion timestep and ImageNet class labels
hidden_states = torch.randn(batch_size, 4, 32, 32)
timestep = torch.tensor([10] * batch_size)
class_labels = torch.randint(0, 1000, (batch_size,))

model(hidden_states, timestep=timestep, class_labels=class_labels)
