# labels: name::gin author::torch_geometric task::Node_Classification domain::Graph_Machine_Learning
"""torch_geometric: ``torch_geometric.nn.models.GIN`` (3 ``GINConv`` layers with MLPs, 64 hidden channels), random weights, on a random graph the size of Cora
(2,708 nodes with ``in_channels`` features, 10,556 directed edges), 7 classes. No data set is loaded."""

import torch
from torch_geometric.nn.models import GIN
from mlagility.parser import parse

(in_channels,) = parse(["in_channels"])

torch.manual_seed(0)
model = GIN(in_channels, hidden_channels=64, num_layers=3, out_channels=7)
model.eval()

num_nodes, num_edges = 2708, 10556
x = torch.randn(num_nodes, in_channels)
edge_index = torch.randint(0, num_nodes, (2, num_edges))

model(x, edge_index)
