# labels: name::pipeline_scaler_logistic_regression author::sklearn task::Tabular_Classification domain::Tabular
"""scikit-learn 1.9.1: ``make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))`` fitted on ``make_classification`` data (1,000 rows, 20 features, float32), then ``predict_proba`` on ``batch_size`` rows."""

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

X, y = make_classification(n_samples=1000, n_features=20, n_informative=10, n_classes=3, random_state=0)
X = X.astype(np.float32)
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
model.fit(X, y)

inputs = X[:batch_size]

model.predict_proba(inputs)
