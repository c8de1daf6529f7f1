# labels: name::two_input_functional author::keras task::Classification domain::Test
"""Hand written: a Keras 3 functional model with two named inputs (a 16-token id sequence through
an Embedding + pooling, and 8 dense features), concatenated into a 2-class head."""

import keras
import numpy as np
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

keras.utils.set_random_seed(0)
tokens = keras.Input((16,), dtype="int32", name="tokens")
numbers = keras.Input((8,), name="numbers")
embedded = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(100, 12)(tokens))
merged = keras.layers.Concatenate()([embedded, keras.layers.Dense(12, activation="relu")(numbers)])
model = keras.Model([tokens, numbers], keras.layers.Dense(2, activation="softmax")(merged))

token_ids = np.random.randint(0, 100, size=(batch_size, 16)).astype("int32")
dense_features = np.random.rand(batch_size, 8).astype("float32")

model([token_ids, dense_features])
