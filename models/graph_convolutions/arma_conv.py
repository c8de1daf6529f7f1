# labels: name::arma_conv author::torch_geometric task::Node_Classification domain::Graph_Machine_Learning
"""torch_geometric: a 2-layer network of ``torch_geometric.nn.ARMAConv`` (ARMA filters, 2 stacks), random weights, on a random graph the size of Cora
(2,708 nodes with ``in_channels`` features, 10,556 directed edges), 7 classes. No data set is loaded."""

import torch
from torch_geometric.nn import ARMAConv
from mlagility.parser import parse

(in_channels,) = parse(["in_channels"])


class Net(torch.nn.Module):
    """Two ARMAConv layers with a ReLU between them."""

    def __init__(self, in_channels, hidden_channels=64, out_channels=7):
        super().__init__()
        self.conv1 = ARMAConv(in_channels, hidden_channels, num_stacks=2)
        self.conv2 = ARMAConv(hidden_channels, out_channels, num_stacks=2)

    def forward(self, x, edge_index):
        x = torch.relu(self.conv1(x, edge_index))
        return self.conv2(x, edge_index)


torch.manual_seed(0)
model = Net(in_channels)
model.eval()

num_nodes, num_edges = 2708, 10556
x = torch.randn(num_nodes, in_channels)
edge_index = torch.randint(0, num_nodes, (2, num_edges))

model(x, edge_index)
