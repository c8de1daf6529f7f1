"""Discovery on real scripts: what is found, where, with which hashes; global state restored."""

from __future__ import annotations

import re
import sys

import pytest
import torch

from conftest import TINY_MODEL, run_benchit
from mlagility.analysis.discovery import ModelDiscovery
from mlagility.analysis.script import run_script

HOOK_DICTS = [
    "_global_forward_pre_hooks",
    "_global_forward_hooks",
    "_global_parameter_registration_hooks",
    "_global_module_registration_hooks",
    "_global_buffer_registration_hooks",
]


def discover(script, args=()):
    found = []
    with ModelDiscovery(script, lambda invocation, module: found.append((invocation, module))) as discovery:
        run_script(script, list(args))
    return found, discovery


def global_hook_counts():
    module = torch.nn.modules.module
    return {name: len(getattr(module, name)) for name in HOOK_DICTS}


def test_top_level_models_only_with_names_locations_and_counts(write_script):
    script = write_script("models.py", TINY_MODEL + """
class Outer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Tiny()

    def forward(self, x):
        return self.inner(x) * 2


def make():
    return Outer()


outer = make()
relu = torch.nn.ReLU()
for _ in range(4):
    relu(outer(torch.rand(3, 8)))
""")
    found, discovery = discover(script)
    assert len(found) == 1  # the nested Tiny and the parameterless ReLU are not models
    invocation, module = found[0]
    assert isinstance(module, torch.nn.Module) and type(module).__name__ == "Outer"
    info = invocation.model
    assert info.name == "outer"
    created = script.read_text().splitlines().index("    return Outer()") + 1
    assert (info.file, info.line) == (str(script), created)  # inside make(), where it was created
    assert info.params == 8 * 4 + 4
    assert info.size_mb == pytest.approx(36 * 4 / 1e6)
    assert invocation.executions == 4
    assert [(s.name, s.shape, s.dtype) for s in invocation.inputs] == [("x", (3, 8), "float32")]
    assert len(info.model_hash) == 8 and len(invocation.hash) == 8


def test_library_factory_location_is_the_users_line(write_script):
    script = write_script("factory.py", """
import torch
import torchvision

model = torchvision.models.resnet18(weights=None)
model.eval()
model(torch.rand(1, 3, 64, 64))
""")
    (invocation, _), = discover(script)[0]
    created = script.read_text().splitlines().index("model = torchvision.models.resnet18(weights=None)") + 1
    assert (invocation.model.file, invocation.model.line) == (str(script), created)
    assert invocation.model.qualified_class == "torchvision.models.resnet.ResNet"
    assert "site-packages" not in invocation.model.location


def test_hashes_are_stable_across_processes_and_separate_shapes(write_script):
    script = write_script("two_shapes.py", TINY_MODEL + """
model = Tiny()
model(torch.rand(1, 8))
model(torch.rand(2, 8))
model(x=torch.rand(2, 8))
""")
    runs = [run_benchit(script, "--analyze-only") for _ in range(2)]
    hashes = [re.findall(r"Hash: +(\w+)", run.stdout) for run in runs]
    assert hashes[0] == hashes[1] and len(set(hashes[0])) == 2
    assert "(executed 2x)" in runs[0].stdout  # positional and keyword calls: one signature
    found, _ = discover(script)
    assert [inv.hash for inv, _ in found] == hashes[0]
    assert found[0][0].model.model_hash == found[1][0].model.model_hash


def test_torch_compile_is_benchmarked_through_the_original_module(write_script):
    script = write_script("compiled.py", TINY_MODEL + """
model = Tiny()
fast = torch.compile(model, backend="eager")
fast(torch.rand(1, 8))
""")
    (invocation, module), = discover(script)[0]
    assert type(module).__name__ == "Tiny"
    assert invocation.model.class_name == "Tiny"


def test_global_state_is_restored_even_when_the_script_raises(write_script):
    script = write_script("raises.py", TINY_MODEL + """
import sys
sys.path.append("/added/by/script")
model = Tiny()
model(torch.rand(1, 8))
raise ValueError("script failed")
""")
    argv, path, hooks = sys.argv[:], sys.path[:], global_hook_counts()
    found = []
    with pytest.raises(ValueError, match="script failed"):
        with ModelDiscovery(script, lambda inv, mod: found.append(inv)):
            run_script(script, ["--flag"])
    assert len(found) == 1
    assert sys.argv == argv and sys.path == path
    assert global_hook_counts() == hooks


def test_sys_exit_zero_is_success_and_non_zero_raises(write_script):
    ok = write_script("exit0.py", "import sys\nsys.exit(0)\n")
    run_script(ok)
    bad = write_script("exit3.py", "import sys\nsys.exit(3)\n")
    with pytest.raises(SystemExit):
        run_script(bad)


def test_inputs_are_copied_so_later_changes_do_not_leak(write_script):
    script = write_script("mutates.py", TINY_MODEL + """
model = Tiny()
x = torch.zeros(1, 8)
with torch.inference_mode():
    model(x)
x += 1
""")
    (invocation, _), = discover(script)[0]
    (saved,) = invocation.args
    assert torch.equal(saved, torch.zeros(1, 8)) and not saved.is_inference()


def test_weights_hash_covers_scalar_buffers_and_changes_with_weights():
    from mlagility.analysis.hashing import weights_hash

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))  # 0-d num_batches_tracked
    before = weights_hash(model)
    assert weights_hash(model) == before
    with torch.no_grad():
        model[0].weight[0, 0, 0, 0] += 1
    assert weights_hash(model) != before


def test_parts_called_through_a_method_are_named_by_their_attribute_path(write_script):
    """A diffusers VAE's ``decode()`` calls its parts (a Conv2d, a Decoder): they are named
    ``vae.post_quant_conv`` and ``vae.decoder``, not ``Conv2d`` / ``Decoder``; a pipeline-like
    object holding the model as an attribute gives the same kind of path."""
    script = write_script("parts.py", TINY_MODEL + """
class Pipe:
    def __init__(self):
        self.net = torch.nn.Sequential(Tiny(), torch.nn.Linear(4, 2))

    def __call__(self, x):
        return self.net[1](self.net[0](x))


pipe = Pipe()
with torch.no_grad():
    pipe(torch.ones(1, 8))
""")
    found, _ = discover(script)
    assert sorted(invocation.model.name for invocation, _ in found) == ["pipe.net.0", "pipe.net.1"]
