# labels: name::appnp author::torch_geometric task::Node_Classification domain::Graph_Machine_Learning
"""torch_geometric: ``torch_geometric.nn.APPNP`` propagation (``k`` power-iteration steps, teleport 0.1)
after a 2-layer MLP, random weights, on a random graph the size of Cora (2,708 nodes with
``in_channels`` features, 10,556 directed edges), 7 classes. No data set is loaded."""

import torch
from torch_geometric.nn import APPNP
from mlagility.parser import parse

in_channels, k = parse(["in_channels", "k"])


class Net(torch.nn.Module):
    """Predict with an MLP, then propagate the predictions with personalized PageRank."""

    def __init__(self, in_channels, hidden_channels=64, out_channels=7):
        super().__init__()
        self.lin1 = torch.nn.Linear(in_channels, hidden_channels)
        self.lin2 = torch.nn.Linear(hidden_channels, out_channels)
        self.prop = APPNP(K=k, alpha=0.1)

    def forward(self, x, edge_index):
        x = self.lin2(torch.relu(self.lin1(x)))
        return self.prop(x, edge_index)


torch.manual_seed(0)
model = Net(in_channels)
model.eval()

num_nodes, num_edges = 2708, 10556
x = torch.randn(num_nodes, in_channels)
edge_index = torch.randint(0, num_nodes, (2, num_edges))

model(x, edge_index)
