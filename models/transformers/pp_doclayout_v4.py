# labels: name::pp_doclayout_v4 author::transformers task::Image_Feature_Extraction domain::Computer_Vision
"""transformers 5.24.0: ``PPDocLayoutV4Model`` (vision model) built from ``PPDocLayoutV4Config()`` with random weights. Default config, 34M parameters."""

import torch
from transformers import PPDocLayoutV4Config, PPDocLayoutV4Model
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
config = PPDocLayoutV4Config()
model = PPDocLayoutV4Model(config)
model.eval()

inputs = {
    "pixel_values": torch.rand(batch_size, 3, 224, 224),
}

model(**inputs)
