"""A custom build sequence with a custom stage: ``benchit script.py --sequence-file THIS_FILE``.

The default stages (export, check, save inputs, then optimize) plus ``CountNodes``, a stage of
our own that records the exported graph's node count in the build state. A stage declares the
artifact keys it needs and produces and does its work in ``run``; what it prints goes to
``log_<name>.txt`` in the build directory, its duration and peak memory to the state. The stage
names are part of the build's identity: changing the sequence rebuilds.
"""

from mlagility.builds.stage import BuildContext, Sequence, Stage
from mlagility.builds.stages import OptimizeOnnx, export_sequence


class CountNodes(Stage):
    """Record the exported graph's node count and its ops (in the state's ``onnx_stats``)."""

    name = "count_nodes"
    description = "Counting ONNX nodes"
    needs = ("onnx",)

    def run(self, ctx: BuildContext) -> None:
        import onnx

        graph = onnx.load(str(ctx.path("onnx")), load_external_data=False).graph
        ctx.state.onnx_stats["exported_nodes"] = len(graph.node)
        print(f"{len(graph.node)} nodes: {sorted({node.op_type for node in graph.node})}")


def get_sequence() -> Sequence:
    return Sequence("counted", [export_sequence(), CountNodes(), OptimizeOnnx()])
