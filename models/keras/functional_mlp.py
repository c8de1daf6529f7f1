# labels: name::functional_mlp author::keras task::Classification domain::Test
"""Hand written: a Keras 3 functional MLP (``keras.Input`` -> Dense 64 relu -> Dense 10 softmax)."""

import keras
import numpy as np
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

keras.utils.set_random_seed(0)
inputs = keras.Input((32,), name="features")
hidden = keras.layers.Dense(64, activation="relu")(inputs)
model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden), name="functional_mlp")

features = np.random.rand(batch_size, 32).astype("float32")

model(features)
