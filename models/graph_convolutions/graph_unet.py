# labels: name::graph_unet author::torch_geometric task::Node_Classification domain::Graph_Machine_Learning
"""torch_geometric: ``torch_geometric.nn.models.GraphUNet`` (depth 3, ``TopKPooling`` with ratio 0.5), random weights, on a random graph the size of Cora
(2,708 nodes with ``in_channels`` features, 10,556 directed edges), 7 classes. No data set is loaded."""

import torch
from torch_geometric.nn.models import GraphUNet
from mlagility.parser import parse

(in_channels,) = parse(["in_channels"])

torch.manual_seed(0)
model = GraphUNet(in_channels, hidden_channels=64, out_channels=7, depth=3)
model.eval()

num_nodes, num_edges = 2708, 10556
x = torch.randn(num_nodes, in_channels)
edge_index = torch.randint(0, num_nodes, (2, num_edges))

model(x, edge_index)
