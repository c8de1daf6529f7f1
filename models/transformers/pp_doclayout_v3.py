# labels: name::pp_doclayout_v3 author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``PPDocLayoutV3Model`` (vision model) built from ``PPDocLayoutV3Config()`` with random weights. Default config, 33M parameters."""

import torch
from transformers import PPDocLayoutV3Config, PPDocLayoutV3Model
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = PPDocLayoutV3Config()
model = PPDocLayoutV3Model(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
