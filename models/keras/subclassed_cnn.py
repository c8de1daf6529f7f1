# labels: name::subclassed_cnn author::keras task::Image_Classification domain::Test
"""Hand written: a subclassed ``keras.Model`` CNN (two Conv2D + pooling + Dense) on 32x32x3 images."""

import keras
import numpy as np
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])


class SmallCNN(keras.Model):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = keras.layers.Conv2D(16, 3, activation="relu")
        self.conv2 = keras.layers.Conv2D(32, 3, activation="relu")
        self.pool = keras.layers.GlobalAveragePooling2D()
        self.head = keras.layers.Dense(classes)

    def call(self, images):
        return self.head(self.pool(self.conv2(self.conv1(images))))


keras.utils.set_random_seed(0)
model = SmallCNN()

images = np.random.rand(batch_size, 32, 32, 3).astype("float32")

model(images)
