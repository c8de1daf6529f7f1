"""The one child process for every ``in_child`` runtime: load, time, write the ``Measurement``.

Usage: ``python -m mlagility.runtimes.worker REQUEST.json`` (written by ``harness._in_child``).
The request names the runtime class as ``module:QualName`` (plugins included), the ONNX file
and inputs, the settings and the runtime's options; the worker runs ``harness.run_in_process``
and writes the result JSON. Its stdout and stderr are the benchmark log. Imports no torch unless
the runtime does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(request_path: str) -> int:
    from mlagility.common.exceptions import BenchmarkError
    from mlagility.common.filesystem import write_json
    from mlagility.runtimes import harness
    from mlagility.runtimes.base import LoadTarget

    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    runtime_class = harness.import_runtime(request["runtime"])
    runtime = runtime_class()
    options = runtime_class.options_class(**request["options"])
    target = LoadTarget(
        model_path=Path(request["model_path"]) if request["model_path"] else None,
        inputs_path=Path(request["inputs_path"]) if request["inputs_path"] else None,
    )
    settings = harness.BenchmarkSettings(**request["settings"])
    try:
        job = harness.Job(runtime, target, settings, options, Path(request["build_dir"]), request["artifact"])
        measurement = harness.run_in_process(job)
    except BenchmarkError as error:
        print(error.reason, file=sys.stderr, flush=True)
        return 1
    write_json(request["result"], measurement.to_dict())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
