import numpy as np
import tinyaffine

model = tinyaffine.Affine(16, 4)
print(model(np.ones((2, 16), np.float32)).shape)
