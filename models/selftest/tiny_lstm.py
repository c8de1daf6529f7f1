# labels: name::tiny_lstm author::selftest task::Sequence_Modeling domain::Test
"""Self-test model: a one-layer ``torch.nn.LSTM`` with a ``torch.nn.Linear`` head, hand written."""

import torch
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])


class TinyLSTM(torch.nn.Module):
    def __init__(self, in_features=8, hidden=16, out_features=4):
        super().__init__()
        self.lstm = torch.nn.LSTM(in_features, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, out_features)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


torch.manual_seed(0)
model = TinyLSTM()
model.eval()

inputs = torch.rand(batch_size, max_seq_length, 8)

model(inputs)
