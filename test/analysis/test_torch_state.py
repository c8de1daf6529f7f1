"""``preserved_state`` / ``clean_context``: whatever benchit does inside, the script's state is back."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from mlagility.analysis.torch_state import clean_context, preserved_state


class Stateful(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)
        self.bn = torch.nn.BatchNorm1d(4)
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))
        self.python_calls = 0
        self.history = []

    def forward(self, x):
        with torch.no_grad():
            self.calls.add_(1)
        self.python_calls += 1
        self.history.append(x.shape)
        return self.bn(self.fc(x))


def snapshot(model):
    return ({k: v.clone() for k, v in model.state_dict().items()},
            [m.training for m in model.modules()], model.python_calls, list(model.history))


def test_script_computes_the_same_module_state_is_restored_after_calls_and_replacements():
    torch.manual_seed(0)
    model = Stateful()  # training mode: BatchNorm updates its running stats on every call
    before = snapshot(model)
    bias = model.fc.bias
    with preserved_state(model):
        model.eval()
        for _ in range(5):
            model(torch.randn(3, 4))
        model.train()
        for _ in range(5):
            model(torch.randn(3, 4))
        with torch.no_grad():
            model.fc.weight.mul_(0)  # an in-place parameter change
        model.fc.bias = torch.nn.Parameter(torch.ones(4))  # a replaced parameter
        model.added_by_benchit = True
    after = snapshot(model)
    assert all(torch.equal(before[0][k], after[0][k]) for k in before[0])
    assert before[1:] == after[1:]
    assert model.fc.bias is bias and not hasattr(model, "added_by_benchit")


def test_script_computes_the_same_global_torch_state_is_restored():
    torch.manual_seed(1), random.seed(1), np.random.seed(1)
    expected = (torch.rand(3), random.random(), np.random.rand())
    torch.manual_seed(1), random.seed(1), np.random.seed(1)
    threads, grad, dtype = torch.get_num_threads(), torch.is_grad_enabled(), torch.get_default_dtype()
    with preserved_state():
        torch.rand(100), random.random(), np.random.rand(10)
        torch.set_num_threads(1)
        torch.set_grad_enabled(not grad)
        torch.set_default_dtype(torch.float64)
        torch.set_autocast_enabled("cpu", True)
        torch.set_float32_matmul_precision("medium")
    assert (torch.rand(3), random.random(), np.random.rand())[1:] == expected[1:]
    torch.manual_seed(1)
    assert torch.equal(torch.rand(3), expected[0])
    assert (torch.get_num_threads(), torch.is_grad_enabled(), torch.get_default_dtype()) == (threads, grad, dtype)
    assert not torch.is_autocast_enabled("cpu") and torch.get_float32_matmul_precision() == "highest"


def test_script_computes_the_same_state_is_restored_when_the_work_raises():
    model = Stateful()
    before = snapshot(model)
    with pytest.raises(RuntimeError, match="export failed"):
        with preserved_state(model):
            model(torch.randn(2, 4))
            raise RuntimeError("export failed")
    after = snapshot(model)
    assert all(torch.equal(before[0][k], after[0][k]) for k in before[0]) and before[1:] == after[1:]


def test_ambient_context_never_leaks_clean_context_turns_off_autocast_inference_mode_and_dtype():
    model = torch.nn.Linear(4, 4)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        torch.set_default_dtype(torch.float64)
        try:
            assert model(torch.ones(1, 4, dtype=torch.float32)).dtype == torch.bfloat16
            with clean_context():
                assert not torch.is_inference_mode_enabled() and not torch.is_grad_enabled()
                assert not torch.is_autocast_enabled("cpu") and torch.get_default_dtype() == torch.float32
                assert model(torch.ones(1, 4)).dtype == torch.float32
            assert torch.is_autocast_enabled("cpu") and torch.is_inference_mode_enabled()
            assert torch.get_default_dtype() == torch.float64
        finally:
            torch.set_default_dtype(torch.float32)
