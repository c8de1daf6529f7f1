# labels: name::two_models author::selftest task::Classification domain::Test
"""Self-test script that deliberately calls TWO models (two different ``torch.nn.Linear`` stacks), hand written.

It is the corpus' only multi-model script: it tests that tools find every model a script
calls. models/verify.py expects two top-level calls here (``# expected-calls: 2`` below).
"""
# expected-calls: 2

import torch
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

torch.manual_seed(0)
encoder = torch.nn.Sequential(torch.nn.Linear(10, 16), torch.nn.ReLU(), torch.nn.Linear(16, 8))
classifier = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.Softmax(dim=-1))
encoder.eval()
classifier.eval()

inputs = torch.rand(batch_size, 10)

features = encoder(inputs)
classifier(features)
