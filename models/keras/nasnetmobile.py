# labels: name::nasnetmobile author::keras task::Image_Classification domain::Computer_Vision
"""Keras 3.15.1: ``keras.applications.NASNetMobile(weights=None)`` (random weights), default input size 224x224x3 (channels last)."""

import keras
import numpy as np
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

keras.utils.set_random_seed(0)
model = keras.applications.NASNetMobile(weights=None)

inputs = np.random.rand(batch_size, 224, 224, 3).astype("float32")

model(inputs)
