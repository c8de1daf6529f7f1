# labels: name::nested_functional author::keras task::Classification domain::Test
"""Hand written: a Keras 3 functional classifier whose first layer is another functional model
(an encoder); ``--max-depth 1`` also records the encoder's call inside it."""

import keras
import numpy as np
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

keras.utils.set_random_seed(0)
encoder_in = keras.Input((24,), name="encoder_in")
encoder = keras.Model(encoder_in, keras.layers.Dense(12, activation="relu")(encoder_in), name="encoder")
inputs = keras.Input((24,), name="x")
model = keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(encoder(inputs)), name="classifier")

x = np.random.rand(batch_size, 24).astype("float32")

model(x)
