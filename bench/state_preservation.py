"""Cost of keeping the script's model state: ``preserved_state`` (snapshot + restore) against
running the build on ``copy.deepcopy(model)``, for two model sizes. Times are medians of 5; the
ratio column is what matters (a shared machine moves absolute times).

    .venv/bin/python bench/state_preservation.py
"""

from __future__ import annotations

import copy
import statistics
import time

import torch
import torchvision

from mlagility.analysis.torch_state import preserved_state


def median_s(work, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    torch.set_num_threads(1)
    models = {
        "resnet18 (11.7M params)": torchvision.models.resnet18(weights=None),
        "mobilenet_v3_small (2.5M params)": torchvision.models.mobilenet_v3_small(weights=None),
    }
    print("| model | preserved_state (clone all) | preserved_state (buffers only) | deepcopy | deepcopy / preserved |")
    print("|---|---|---|---|---|")
    for name, model in models.items():
        def preserved(clone=None):
            with preserved_state(model, clone_parameters=clone):
                pass
        full = median_s(preserved)
        buffers = median_s(lambda: preserved(False))
        deep = median_s(lambda: copy.deepcopy(model))
        print(f"| {name} | {full * 1e3:.1f} ms | {buffers * 1e3:.1f} ms | {deep * 1e3:.1f} ms | {deep / full:.2f} |")


if __name__ == "__main__":
    main()
