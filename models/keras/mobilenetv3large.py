# labels: name::mobilenetv3large author::keras task::Image_Classification domain::Computer_Vision
"""Keras 3.15.1: ``keras.applications.MobileNetV3Large(weights=None)`` (random weights), input size 224x224x3 (channels last; the model takes any size, 224 is its default)."""

import keras
import numpy as np
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

keras.utils.set_random_seed(0)
model = keras.applications.MobileNetV3Large(weights=None)

inputs = np.random.rand(batch_size, 224, 224, 3).astype("float32")

model(inputs)
