"""onnxruntime-genai on the CPU (``x86/ort-genai``): a script's ``generate()`` run by the field's
fastest ONNX Runtime generation loop (the ``generation`` scenario only).

Loading turns the script's live model into onnxruntime-genai's own ONNX model, once per build:
the model is saved (``save_pretrained``: its config and the weights it holds, nothing downloaded)
with a stand-in tokenizer of its vocabulary size (the builder insists on one; no text is ever
tokenized), and onnxruntime-genai's model builder (``python -m onnxruntime_genai.models.builder
-p fp32 -e cpu``, in a child process: it adds its own folders to ``sys.path`` and prints a lot)
writes ``<build>/ort_genai/`` (``genai_config.json``, ``model.onnx``). A later run reuses that
folder; the load time then holds no conversion, and ``details["model_builder"]`` says which.
An architecture the builder does not know (GPT-2, T5...), a config its builder cannot read
(``KeyError`` on a config field) and the known limits of its generator (``KNOWN_LIMITS``: a
sliding window larger than the KV cache it allocates, a partial rotary dimension, an
end-of-sequence id outside the vocabulary) are the one-line outcome "not supported by
onnxruntime-genai: <its reason>"; any other error stays a failure.

``Session.generate`` runs one greedy generation through ``og.Generator``: the script's prompt
appended, then ``generate_next_token()`` until ``prompt + new tokens`` (or an end-of-sequence
token), ``on_token()`` right after each selection; it returns the new tokens (batch x new) for
the token check. Sampling and beam search are "not supported: greedy only".
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlagility.analysis.generation import main_input
from mlagility.common import filesystem
from mlagility.common.exceptions import BenchmarkError
from mlagility.runtimes.base import ArtifactNeeds, LoadTarget, Runtime, RuntimeOptions, Session

FOLDER = "ort_genai"  # in the build directory: the builder's output, reused while the build lives
BUILDER = "onnxruntime_genai.models.builder"


class OrtGenaiRuntime(Runtime):
    name = "ort-genai"
    device = "x86"
    needs = ArtifactNeeds(kind="model", precisions=("fp32",), model_types=("pytorch",))
    in_child = False  # the builder needs the live model; the Generator runs in benchit's process
    imports = ("onnxruntime_genai",)
    scenarios = ("generation",)

    @classmethod
    def unavailable_reason(cls) -> str | None:
        from importlib.util import find_spec

        if find_spec("onnxruntime_genai") is None:
            return "the onnxruntime_genai package is not installed (pip install 'mlagility[genai]')"
        return None

    def load(self, target: LoadTarget, options: RuntimeOptions) -> Session:
        call = target.generation
        if call is None or call.info is None or target.model is None:
            raise BenchmarkError(self.name, "not supported: ort-genai runs only a script's generate() "
                                 "(the generation scenario)")
        info = call.info
        if info.mode != "greedy":
            raise BenchmarkError(self.name, f"not supported: greedy only (this generation uses {info.mode})")
        if info.encoder_decoder:
            raise BenchmarkError(self.name, "not supported: ort-genai runs decoder-only generations here "
                                 "(this model is an encoder-decoder)")
        prompt = prompt_ids(call)
        if isinstance(prompt, str):
            raise BenchmarkError(self.name, f"not supported: {prompt}")
        folder, built_s = built_model(target.model, target.build_dir)
        import onnxruntime_genai as og

        config = og.Config(str(folder))
        config.clear_providers()  # the CPU
        config.overlay(json.dumps({"model": {"decoder": {"session_options": {
            "intra_op_num_threads": int(options.threads or 1)}}}}))
        model = og.Model(config)
        search = search_options(call, target.model, prompt.shape[0], prompt.shape[-1], info.new_tokens)
        genai = json.loads((folder / "genai_config.json").read_text())
        details = {"batch_size": info.batch_size, "prompt_tokens": info.prompt_tokens, "decoding": info.mode,
                   "cache": "onnxruntime-genai KV cache",
                   "kv_cache_mib": kv_cache_mib(genai, info.batch_size, search["max_length"]),
                   "model_builder": (f"built in {built_s:.1f} s" if built_s is not None
                                     else "reused (built by an earlier run)"),
                   "genai_folder": str(folder)}

        new_tokens = search["max_length"] - prompt.shape[-1]

        def generate(on_token, logits: list | None = None):
            try:
                return _generate(on_token, logits)
            except RuntimeError as error:  # onnxruntime-genai's known limits: its refusal of this model
                known = known_limit(str(error))
                if known is None:
                    raise  # anything else stays a failure, with its own reason
                raise BenchmarkError(self.name, f"not supported by onnxruntime-genai: {known}") from error

        def _generate(on_token, logits):
            import numpy as np

            params = og.GeneratorParams(model)
            params.set_search_options(**search)
            generator = og.Generator(model, params)
            generator.append_tokens(prompt)
            tokens = []
            while not generator.is_done() and len(tokens) < new_tokens:
                if logits is not None:  # the check's run only: the logits this step's token is picked from
                    step = np.asarray(generator.get_logits(), dtype=np.float32)
                    logits.append(step.reshape(step.shape[0], -1))
                generator.generate_next_token()
                on_token()
                tokens.append(np.array(generator.get_next_tokens(), dtype=np.int64))
            return np.stack(tokens, axis=-1) if tokens else np.zeros((prompt.shape[0], 0), dtype=np.int64)

        state = {"model": model}

        def close():
            state.clear()

        return Session(run=None, generate=generate, threads=int(options.threads or 1), details=details,
                       artifact={"file": f"{FOLDER}/model.onnx", "kind": "onnxruntime-genai model builder"},
                       close=close, keeps_logits=True)


def prompt_ids(call):
    """The script's prompt as int32 (batch x prompt tokens), or the reason it cannot be given to
    onnxruntime-genai."""
    import numpy as np

    args, kwargs = (call.args, call.kwargs) if hasattr(call, "kwargs") else (call.prefill_args, call.prefill_kwargs)
    prompt = main_input(args, kwargs)
    if prompt is None or not hasattr(prompt, "dim") or prompt.dim() != 2 or prompt.is_floating_point():
        return "the prompt is not a batch of token ids (input_ids)"
    mask = kwargs.get("attention_mask")
    if mask is not None and hasattr(mask, "all") and not bool(mask.all()):
        return "a padded batch (attention_mask with zeros); onnxruntime-genai is run on unpadded prompts only"
    return np.ascontiguousarray(prompt.detach().cpu().numpy().astype(np.int32))


def search_options(call, model, batch_size: int, prompt_tokens: int, new_tokens: int) -> dict:
    """Greedy search of ``batch_size`` sequences to ``prompt + new tokens``, with the script's
    minimum length (onnxruntime-genai needs the batch size: without it a batch of 2 is read as one
    sequence of twice the length)."""
    kwargs = getattr(call, "kwargs", None) or {}
    config = kwargs.get("generation_config") or getattr(model, "generation_config", None)
    min_new = kwargs.get("min_new_tokens", getattr(config, "min_new_tokens", None))
    min_length = prompt_tokens + min_new if min_new else kwargs.get("min_length", getattr(config, "min_length", 0))
    return {"max_length": prompt_tokens + new_tokens, "min_length": int(min_length or 0), "do_sample": False,
            "batch_size": int(batch_size)}


def kv_cache_mib(genai: dict, batch: int, max_length: int) -> float | None:
    """The KV cache onnxruntime-genai holds (past and present share one buffer of ``max_length``
    positions, fp32)."""
    try:
        decoder = genai["model"]["decoder"]
        per_position = 2 * decoder["num_hidden_layers"] * decoder["num_key_value_heads"] * decoder["head_size"]
        return per_position * batch * max_length * 4 / 2**20
    except (KeyError, TypeError):
        return None


def built_model(model, build_dir: Path | None) -> tuple[Path, float | None]:
    """The folder of onnxruntime-genai's model for ``model`` (``<build>/ort_genai``), made by its
    model builder unless a complete one is there; returns it and the builder's seconds (None
    when reused)."""
    if build_dir is None:  # (benchmark_model has no generation; kept for direct callers)
        build_dir = Path(tempfile.mkdtemp(prefix="mlagility-ort-genai-"))
    folder = Path(build_dir) / FOLDER
    if (folder / "genai_config.json").is_file() and (folder / "model.onnx").is_file():
        return folder, None
    work = Path(build_dir) / f"{FOLDER}.building"  # removed by a rebuild; replaced by the next try
    with filesystem.writing(build_dir):
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        filesystem.mkdir(work)
        start = time.perf_counter()
        try:
            source = work / "hf"
            model.save_pretrained(source)  # the config and the weights the script's model holds
            _stand_in_tokenizer(model, source)
            _run_builder(source, work / "out", work / "hf_cache", _architecture(model))
            os.replace(work / "out", folder)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return folder, time.perf_counter() - start


def _stand_in_tokenizer(model, folder: Path) -> None:
    """A word-level tokenizer of the model's vocabulary size: the builder loads one and copies
    it next to the model; benchit never tokenizes text with it (the script's token ids are used)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    size = int(getattr(model.config, "vocab_size", 0) or 0)
    if size <= 0:
        raise BenchmarkError(OrtGenaiRuntime.name, "not supported by onnxruntime-genai: the model's config "
                             "has no vocab_size")
    tokenizer = Tokenizer(models.WordLevel({f"t{i}": i for i in range(size)}, unk_token="t0"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    PreTrainedTokenizerFast(tokenizer_object=tokenizer).save_pretrained(folder)


def _architecture(model) -> str:
    architectures = getattr(model.config, "architectures", None) or [type(model).__name__]
    return str(architectures[0])


def _run_builder(source: Path, output: Path, cache: Path, architecture: str) -> None:
    """onnxruntime-genai's model builder in a child process (its output goes to the benchmark's
    log); its failure is a one-line ``BenchmarkError``."""
    command = [sys.executable, "-m", BUILDER, "-i", str(source), "-o", str(output), "-p", "fp32", "-e", "cpu",
               "-c", str(cache)]
    print("running onnxruntime-genai's model builder:", " ".join(command), flush=True)
    done = subprocess.run(command, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          errors="replace", env={**os.environ, "HF_HUB_OFFLINE": "1"})
    sys.stderr.write(done.stderr)
    sys.stderr.flush()
    if done.returncode == 0 and (output / "genai_config.json").is_file():
        return
    reason = _builder_error(done.stderr) or f"exited with status {done.returncode}"
    if reason.startswith("NotImplementedError"):
        detail = reason.partition(":")[2].strip() or reason
        if "not currently supported" in detail:  # "The <folder> model is not currently supported."
            detail = f"its model builder does not support {architecture}"
        raise BenchmarkError(OrtGenaiRuntime.name, f"not supported by onnxruntime-genai: {detail}")
    if reason.startswith("KeyError"):  # a field the builder expects in the config (or derives from it) is missing:
        # gemma3's config.rope_parameters["rope_type"], phi3's rope_attrs["multi_cache"] (0.18.0 reading transformers 5)
        raise BenchmarkError(OrtGenaiRuntime.name, f"not supported by onnxruntime-genai: its model builder cannot "
                             f"read this {architecture} config ({reason})")
    raise BenchmarkError(OrtGenaiRuntime.name, f"onnxruntime-genai's model builder failed: {reason}")


# onnxruntime-genai's own limits met while generating (0.18.0), as (pattern, the reason shown)
KNOWN_LIMITS = (
    (r"sliding_window_cache: KV cache capacity \((\d+)\) must be at least local_window_size \((\d+)\)",
     "its GroupQueryAttention needs a KV cache of at least the sliding window ({1} positions); it allocates "
     "{0} (prompt + new tokens)"),
    (r"cos_cache dimension 1 must be <= head_size / 2 and a multiple of 8",
     "its GroupQueryAttention takes a rotary dimension <= head_size / 2 and a multiple of 8 only (this model's "
     "partial rotary embedding is not)"),
    (r"eos_token_id \((\d+)\) must be in range \[0, (\d+)\)",
     "its model builder wrote eos_token_id {0} into genai_config.json (not the script's config's), outside "
     "the {1}-token vocabulary"),
)


def known_limit(message: str) -> str | None:
    """The reason shown for an error of onnxruntime-genai that is one of its known limits
    (``KNOWN_LIMITS``), or None for any other error (which stays a failure)."""
    import re

    for pattern, reason in KNOWN_LIMITS:
        found = re.search(pattern, message)
        if found:
            return reason.format(*found.groups())
    return None



def _builder_error(stderr: str) -> str | None:
    """The exception line a Python traceback ends with (``Type: message``), or None."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        head = line.partition(":")[0]
        if head and " " not in head and (head.endswith("Error") or head.endswith("Exception")):
            return line
    return None
