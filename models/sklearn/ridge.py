# labels: name::ridge author::sklearn task::Tabular_Regression domain::Tabular
"""scikit-learn 1.9.1: ``Ridge(alpha=1.0)`` fitted on ``make_regression`` data (1,000 rows, 20 features, float32), then ``predict`` on ``batch_size`` rows."""

import numpy as np
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

X, y = make_regression(n_samples=1000, n_features=20, n_informative=10, random_state=0)
X = X.astype(np.float32)
model = Ridge(alpha=1.0)
model.fit(X, y)

inputs = X[:batch_size]

model.predict(inputs)
