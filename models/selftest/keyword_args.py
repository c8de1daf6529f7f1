# labels: name::keyword_args author::selftest task::Classification domain::Test
"""Self-test model: a tiny embedding + linear model called with keyword arguments (``model(**inputs)``), hand written."""

import torch
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])


class KeywordModel(torch.nn.Module):
    def __init__(self, vocab_size=100, hidden=16, num_classes=3):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab_size, hidden)
        self.classifier = torch.nn.Linear(hidden, num_classes)

    def forward(self, input_ids, attention_mask):
        hidden = self.embedding(input_ids) * attention_mask.unsqueeze(-1)
        pooled = hidden.sum(1) / attention_mask.sum(1, keepdim=True).clamp(min=1)
        return self.classifier(pooled)


torch.manual_seed(0)
model = KeywordModel()
model.eval()

inputs = {
    "input_ids": torch.randint(0, 100, (batch_size, max_seq_length)),
    "attention_mask": torch.ones(batch_size, max_seq_length),
}

model(**inputs)
