"""PyTorch eager on the CPU (``x86/torch-eager``): the live model, in-process, under
``torch.inference_mode()``, at the precision the script made it (fp32 builds only: an fp16 or
int8 build is an ONNX conversion this runtime cannot run)."""

from __future__ import annotations

from mlagility.runtimes.base import EagerRuntime, LoadTarget, RuntimeOptions, Session


class TorchEagerRuntime(EagerRuntime):
    name = "torch-eager"
    imports = ("torch",)

    @classmethod
    def default_threads(cls) -> int:
        import torch

        return torch.get_num_threads()

    def load(self, target: LoadTarget, options: RuntimeOptions) -> Session:
        import torch

        model, args, kwargs = target.model, target.args, target.kwargs
        return Session(run=lambda: model(*args, **kwargs), threads=torch.get_num_threads(),
                       context=torch.inference_mode)
