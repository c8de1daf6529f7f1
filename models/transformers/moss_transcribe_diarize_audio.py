# labels: name::moss_transcribe_diarize_audio author::transformers task::Audio_Feature_Extraction domain::Audio
"""transformers 5.24.0: ``MossTranscribeDiarizeAudioModel`` (audio model) built from ``MossTranscribeDiarizeAudioConfig()`` with random weights. Default config, 307M parameters."""

import torch
from transformers import MossTranscribeDiarizeAudioConfig, MossTranscribeDiarizeAudioModel
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = MossTranscribeDiarizeAudioConfig()
model = MossTranscribeDiarizeAudioModel(config)
model.eval()

inputs = {
    "input_features": torch.randn(batch_size, config.num_mel_bins, 2 * config.max_source_positions),
}

model(**inputs)
