# labels: name::random_forest_classifier author::sklearn task::Tabular_Classification domain::Tabular
"""scikit-learn 1.9.1: ``RandomForestClassifier(n_estimators=100, max_depth=10, random_state=0)`` fitted on ``make_classification`` data (1,000 rows, 20 features, float32), then ``predict_proba`` on ``batch_size`` rows."""

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

X, y = make_classification(n_samples=1000, n_features=20, n_informative=10, n_classes=3, random_state=0)
X = X.astype(np.float32)
model = RandomForestClassifier(n_estimators=100, max_depth=10, random_state=0)
model.fit(X, y)

inputs = X[:batch_size]

model.predict_proba(inputs)
