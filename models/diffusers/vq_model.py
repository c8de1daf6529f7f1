# labels: name::vq_model author::diffusers task::Image_Autoencoding domain::Generative_AI
"""diffusers: ``diffusers.VQModel`` (VQ-GAN style vector-quantized autoencoder), random weights, small
config: block channels (64, 128), 3 latent channels, codebook of 256 entries, 64x64 RGB images."""

import torch
from diffusers import VQModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
model = VQModel(
    in_channels=3,
    out_channels=3,
    down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
    up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
    block_out_channels=(64, 128),
    layers_per_block=1,
    latent_channels=3,
    num_vq_embeddings=256,
    sample_size=64,
)
model.eval()

images = torch.rand(batch_size, 3, 64, 64) * 2 - 1

model(images)
