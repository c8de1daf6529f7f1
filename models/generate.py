"""Generate the corpus scripts of ``models/`` from the libraries installed (see requirements.txt).

Usage::

    HF_HUB_OFFLINE=1 python models/generate.py torchvision timm transformers llm_layer

Each corpus is written to ``models/<corpus>/`` (existing generated scripts are overwritten;
scripts listed in ``models/<corpus>/skipped.txt`` are not written again). Every script follows
the corpus template (see readme.md): a ``# labels:`` line, a docstring naming the source, the
imports, ``parse([...])``, ``torch.manual_seed(0)``, the model built offline with random
weights, ``model.eval()``, inputs of the model's default size, and ONE call of the model.

Generation only writes scripts that look buildable (timm and transformers models are first
built on the ``meta`` device to read their default input size and count parameters); run
``models/verify.py`` afterwards and drop what fails (``--prune`` below moves the failing
scripts of a verify CSV to ``skipped.txt``)::

    python models/verify.py models/timm --out /tmp/verify_timm.csv
    python models/generate.py --prune /tmp/verify_timm.csv
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parent

# models with more parameters than this are skipped (fp32 weights alone would take > 4 GB)
MAX_PARAMS = 1_000_000_000


def clean(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def skipped(corpus: str) -> set[str]:
    path = ROOT / corpus / "skipped.txt"
    if not path.exists():
        return set()
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(line)
    return names


def write(corpus: str, name: str, text: str) -> Path:
    folder = ROOT / corpus
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{clean(name)}.py"
    path.write_text(text.strip() + "\n")
    return path


def header(name: str, author: str, task: str, domain: str, doc: str) -> str:
    return f'# labels: name::{clean(name)} author::{author} task::{task} domain::{domain}\n"""{doc}"""\n'


# --------------------------------------------------------------------------------------------
# torchvision
# --------------------------------------------------------------------------------------------

TV_VIDEO_SIZE = {  # frames, height, width the video models were trained with
    "mvit_v1_b": (16, 224, 224),
    "mvit_v2_s": (16, 224, 224),
    "s3d": (16, 224, 224),
    "swin3d_t": (16, 224, 224),
    "swin3d_s": (16, 224, 224),
    "swin3d_b": (16, 224, 224),
}


def gen_torchvision() -> list[str]:
    import torchvision
    from torchvision import models as M

    skip = skipped("torchvision")
    written = []
    groups = [
        (M, "classification", "Image_Classification"),
        (M.segmentation, "segmentation", "Semantic_Segmentation"),
        (M.detection, "detection", "Object_Detection"),
        (M.video, "video", "Video_Classification"),
    ]
    for module, kind, task in groups:
        for name in M.list_models(module=module):
            if clean(name) in skip:
                continue
            builder = M.get_model_builder(name).__name__
            doc = (
                f"torchvision {torchvision.__version__.split('+')[0]}: "
                f"``torchvision.models.{'' if kind == 'classification' else kind + '.'}{builder}``"
                f" with random weights (``weights=None``)."
            )
            kwargs = "weights=None" if kind in ("classification", "video") else "weights=None, weights_backbone=None"
            lines = [header(name, "torchvision", task, "Computer_Vision", doc), "import torch", "from torchvision import models", "from mlagility.parser import parse", ""]
            if kind == "video":
                frames, h, w = TV_VIDEO_SIZE.get(name, (16, 112, 112))
                lines += [
                    '(batch_size,) = parse(["batch_size"])',
                    "",
                    "torch.manual_seed(0)",
                    f'model = models.get_model("{name}", {kwargs})',
                    "model.eval()",
                    "",
                    f"# video clips: (batch, channels, frames, height, width) = (batch_size, 3, {frames}, {h}, {w})",
                    f"inputs = torch.rand(batch_size, 3, {frames}, {h}, {w})",
                    "",
                    "model(inputs)",
                ]
            elif kind == "detection":
                lines += [
                    'batch_size, height, width = parse(["batch_size", "height", "width"])',
                    "",
                    "torch.manual_seed(0)",
                    f'model = models.get_model("{name}", {kwargs})',
                    "model.eval()",
                    "",
                    "# a list of images in [0, 1]; the model resizes them itself",
                    "images = [torch.rand(3, height, width) for _ in range(batch_size)]",
                    "",
                    "model(images)",
                ]
            else:
                lines += [
                    'batch_size, num_channels, height, width = parse(["batch_size", "num_channels", "height", "width"])',
                    "",
                    "torch.manual_seed(0)",
                    f'model = models.get_model("{name}", {kwargs})',
                    "model.eval()",
                    "",
                    "inputs = torch.rand(batch_size, num_channels, height, width)",
                    "",
                    "model(inputs)",
                ]
            write("torchvision", name, "\n".join(lines))
            written.append(name)
    return written


# --------------------------------------------------------------------------------------------
# timm
# --------------------------------------------------------------------------------------------


def gen_timm(order_file: str | None = None) -> list[str]:
    import timm
    import torch

    skip = skipped("timm")
    costs = []
    written = []
    report = []
    for name in timm.list_models():
        if clean(name) in skip:
            continue
        try:
            with torch.device("meta"):
                model = timm.create_model(name, pretrained=False)
            params = sum(p.numel() for p in model.parameters())
            input_size = tuple(model.pretrained_cfg["input_size"])
            del model
        except Exception as exc:  # noqa: BLE001
            report.append(f"{name}: meta build failed: {type(exc).__name__}: {exc}".replace("\n", " ")[:200])
            try:
                input_size = tuple(timm.get_pretrained_cfg(name).input_size)
            except Exception:  # noqa: BLE001
                input_size = (3, 224, 224)
            params = None
        if params is not None and params > MAX_PARAMS:
            report.append(f"{name}: skipped, {params / 1e9:.1f}B parameters")
            continue
        c, h, w = input_size
        doc = (
            f"timm {timm.__version__}: ``timm.create_model(\"{name}\", pretrained=False)`` "
            f"(random weights), default input size {c}x{h}x{w}."
        )
        text = "\n".join([
            header(name, "timm", "Image_Classification", "Computer_Vision", doc),
            "import timm",
            "import torch",
            "from mlagility.parser import parse",
            "",
            '(batch_size,) = parse(["batch_size"])',
            "",
            "torch.manual_seed(0)",
            f'model = timm.create_model("{name}", pretrained=False)',
            "model.eval()",
            "",
            "# the model's default input size, (channels, height, width)",
            'channels, height, width = model.pretrained_cfg["input_size"]',
            "inputs = torch.rand(batch_size, channels, height, width)",
            "",
            "model(inputs)",
        ])
        path = write("timm", name, text)
        written.append(name)
        cost = (params if params is not None else 5e8) * (h * w) / (224 * 224)
        costs.append((cost, str(path.relative_to(ROOT.parent))))
    if order_file:
        Path(order_file).write_text("\n".join(p for _, p in sorted(costs)) + "\n")
    for line in report:
        print("timm:", line)
    return written


# --------------------------------------------------------------------------------------------
# transformers
# --------------------------------------------------------------------------------------------

# sub-configs searched (in this order) for an attribute such as vocab_size or image_size
SUBCONFIGS = ("", "text_config", "vision_config", "audio_config", "encoder", "decoder")


def _find(config, attr: str):
    """('config.<sub>.<attr>', value) for the first sub-config that has ``attr``."""
    for sub in SUBCONFIGS:
        obj = getattr(config, sub, None) if sub else config
        if obj is None or isinstance(obj, dict):
            continue
        try:
            value = getattr(obj, attr)
        except Exception:  # noqa: BLE001
            continue
        if value is not None:
            return (f"config.{sub}.{attr}" if sub else f"config.{attr}"), value
    return None, None


def _mapping(name: str) -> dict:
    from transformers.models.auto import modeling_auto

    return getattr(modeling_auto, name, {})


def _transformers_inputs(model_type, config, model_cls):
    """(kind, task, domain, parse names, input lines, dict entries) or a skip reason string."""
    import inspect

    params = set(inspect.signature(model_cls.forward).parameters)
    main = getattr(model_cls, "main_input_name", "input_ids")
    enc_dec = bool(getattr(config, "is_encoder_decoder", False)) and "decoder_input_ids" in params
    vocab_expr, vocab = _find(config, "vocab_size")
    text = "input_ids" in params and vocab_expr is not None

    def ids(name, length="max_seq_length"):
        return f'"{name}": torch.randint(0, {vocab_expr}, (batch_size, {length})),'

    entries: list[str] = []
    if main == "input_ids" and "pixel_values" in params and text:
        size_expr, size = _find(config, "image_size")
        chan_expr, _ = _find(config, "num_channels")
        if size_expr is None:
            return "multimodal model without image_size in its config"
        if isinstance(size, (list, tuple)):
            size_expr = f"{size_expr}[0], {size_expr}[1]"
        else:
            size_expr = f"{size_expr}, {size_expr}"
        entries = [
            ids("input_ids"),
            '"attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),',
            f'"pixel_values": torch.rand(batch_size, {chan_expr or 3}, {size_expr}),',
        ]
        task = "Zero_Shot_Image_Classification" if model_type in _mapping("MODEL_FOR_ZERO_SHOT_IMAGE_CLASSIFICATION_MAPPING_NAMES") else "Multimodal"
        return "multimodal", task, "Multimodal", ["batch_size", "max_seq_length"], entries
    if main == "input_ids" and text:
        entries = [ids("input_ids")]
        if "attention_mask" in params:
            entries.append('"attention_mask": torch.ones(batch_size, max_seq_length, dtype=torch.long),')
        if enc_dec:
            entries.append(ids("decoder_input_ids"))
            task = "Text2Text_Generation"
        elif model_type in _mapping("MODEL_FOR_MASKED_LM_MAPPING_NAMES"):
            task = "Fill_Mask"
        elif model_type in _mapping("MODEL_FOR_CAUSAL_LM_MAPPING_NAMES"):
            task = "Text_Generation"
        else:
            task = "Feature_Extraction"
        return "text", task, "Natural_Language_Processing", ["batch_size", "max_seq_length"], entries
    if main == "pixel_values" and "input_ids" not in params:
        size_expr, size = _find(config, "image_size")
        chan_expr, _ = _find(config, "num_channels")
        if size_expr is None:
            size_expr = "224, 224"  # no image_size in the config: the ImageNet size
        elif isinstance(size, (list, tuple)):
            size_expr = f"{size_expr}[0], {size_expr}[1]"
        else:
            size_expr = f"{size_expr}, {size_expr}"
        entries = [f'"pixel_values": torch.rand(batch_size, {chan_expr or 3}, {size_expr}),']
        task = "Image_Classification" if model_type in _mapping("MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING_NAMES") else "Image_Feature_Extraction"
        return "vision", task, "Computer_Vision", ["batch_size"], entries
    if main == "input_values":
        entries = ['"input_values": torch.randn(batch_size, max_audio_seq_length),']
        names = ["batch_size", "max_audio_seq_length"]
        if enc_dec and vocab_expr:
            entries.append(ids("decoder_input_ids"))
            names.append("max_seq_length")
        task = "Speech_Recognition" if model_type in _mapping("MODEL_FOR_CTC_MAPPING_NAMES") else "Audio_Feature_Extraction"
        return "audio", task, "Audio", names, entries
    if main == "input_features":
        mel_expr, _ = _find(config, "num_mel_bins")
        pos_expr, _ = _find(config, "max_source_positions")
        feat_expr, _ = _find(config, "input_feat_per_channel")
        if mel_expr and pos_expr:  # whisper-like: (batch, mel bins, 2 * max_source_positions frames)
            entries = [f'"input_features": torch.randn(batch_size, {mel_expr}, 2 * {pos_expr}),']
        elif feat_expr:  # speech_to_text-like: (batch, frames, features)
            entries = [f'"input_features": torch.randn(batch_size, 584, {feat_expr}),']
        else:
            return "audio features of unknown shape"
        names = ["batch_size"]
        if enc_dec and vocab_expr:
            entries.append(ids("decoder_input_ids"))
            names.append("max_seq_length")
        task = "Speech_Recognition" if enc_dec else "Audio_Feature_Extraction"
        return "audio", task, "Audio", names, entries
    return f"input kind not handled (main input {main!r})"


def gen_transformers(order_file: str | None = None) -> list[str]:
    import torch
    import transformers
    from transformers import CONFIG_MAPPING
    from transformers.models.auto.modeling_auto import MODEL_MAPPING_NAMES

    skip = skipped("transformers")
    written, report, costs = [], [], []
    for model_type, class_name in sorted(MODEL_MAPPING_NAMES.items()):
        if clean(model_type) in skip:
            continue
        if isinstance(class_name, (list, tuple)):
            class_name = class_name[0]
        try:
            config_cls = CONFIG_MAPPING[model_type]
            model_cls = getattr(transformers, class_name)
            config = config_cls()
        except Exception as exc:  # noqa: BLE001
            report.append(f"{model_type}: no default config/model: {type(exc).__name__}: {exc}"[:200])
            continue
        overrides = {}
        try:
            with torch.device("meta"):
                params = sum(p.numel() for p in model_cls(config).parameters())
            if params > MAX_PARAMS and hasattr(config, "num_hidden_layers"):
                overrides = {"num_hidden_layers": 2}
                config = config_cls(**overrides)
                with torch.device("meta"):
                    small = sum(p.numel() for p in model_cls(config).parameters())
                if small > MAX_PARAMS:
                    report.append(f"{model_type}: skipped, {params / 1e9:.1f}B parameters ({small / 1e9:.1f}B with 2 layers)")
                    continue
                doc_size = f"The default config has {params / 1e9:.1f}B parameters; this script keeps 2 layers ({small / 1e6:.0f}M parameters)."
                params = small
            elif params > MAX_PARAMS:
                report.append(f"{model_type}: skipped, {params / 1e9:.1f}B parameters")
                continue
            else:
                doc_size = f"Default config, {params / 1e6:.0f}M parameters."
        except Exception as exc:  # noqa: BLE001
            report.append(f"{model_type}: meta build failed: {type(exc).__name__}: {exc}"[:200])
            continue
        try:
            found = _transformers_inputs(model_type, config, model_cls)
        except Exception as exc:  # noqa: BLE001
            found = f"inputs: {type(exc).__name__}: {exc}"
        if isinstance(found, str):
            report.append(f"{model_type}: skipped, {found}"[:200])
            continue
        kind, task, domain, names, entries = found
        config_name = config_cls.__name__
        args = ", ".join(f"{k}={v!r}" for k, v in overrides.items())
        doc = (
            f"transformers {transformers.__version__}: ``{class_name}`` ({kind} model) built from "
            f"``{config_name}({args})`` with random weights. {doc_size}"
        )
        parsed = ", ".join(names) + ("," if len(names) == 1 else "")
        if len(names) == 1:
            parsed = f"({names[0]},)"
        text = "\n".join([
            header(model_type, "transformers", task, domain, doc),
            "import torch",
            f"from transformers import {config_name}, {class_name}",
            "from mlagility.parser import parse",
            "",
            f"{parsed} = parse({names!r})".replace("'", '"'),
            "",
            "torch.manual_seed(0)",
            f"config = {config_name}({args})",
            f"model = {class_name}(config)",
            "model.eval()",
            "",
            "inputs = {",
            *[f"    {e}" for e in entries],
            "}",
            "",
            "model(**inputs)",
        ])
        path = write("transformers", model_type, text)
        written.append(model_type)
        costs.append((params, str(path.relative_to(ROOT.parent))))
    if order_file:
        Path(order_file).write_text("\n".join(p for _, p in sorted(costs)) + "\n")
    for line in report:
        print("transformers:", line)
    return written


# --------------------------------------------------------------------------------------------
# llm_layer: attention, MLP and decoder blocks of LLM families, from small configs
# --------------------------------------------------------------------------------------------

# a small llama-like shape shared by the families below (documented in every script)
LLM_SMALL = dict(hidden_size=1024, intermediate_size=2816, num_attention_heads=16,
                 num_key_value_heads=4, head_dim=64, num_hidden_layers=1)
LLM_FAMILIES = {
    # module: (class prefix, config kwargs overriding LLM_SMALL or None for LLM_SMALL)
    "llama": ("Llama", None),
    "mistral": ("Mistral", None),
    "mixtral": ("Mixtral", dict(LLM_SMALL, num_local_experts=8, num_experts_per_tok=2)),
    "qwen2": ("Qwen2", None),
    "qwen3": ("Qwen3", None),
    "qwen3_moe": ("Qwen3Moe", dict(LLM_SMALL, num_experts=8, num_experts_per_tok=2, moe_intermediate_size=704)),
    "gemma": ("Gemma", None),
    "gemma2": ("Gemma2", None),
    "gemma3": ("Gemma3", None),
    "phi": ("Phi", dict(hidden_size=1024, intermediate_size=4096, num_attention_heads=16, num_hidden_layers=1)),
    "phi3": ("Phi3", None),
    "falcon": ("Falcon", dict(hidden_size=1024, num_attention_heads=16, num_hidden_layers=1)),
    "gpt_neox": ("GPTNeoX", dict(hidden_size=1024, intermediate_size=4096, num_attention_heads=16, num_hidden_layers=1)),
    "gpt2": ("GPT2", dict(n_embd=1024, n_head=16, n_layer=1)),
    "opt": ("OPT", dict(hidden_size=1024, ffn_dim=4096, num_attention_heads=16, num_hidden_layers=1)),
    "starcoder2": ("Starcoder2", None),
    "olmo": ("Olmo", None),
    "olmo2": ("Olmo2", None),
    "stablelm": ("StableLm", None),
    "cohere": ("Cohere", None),
    "granite": ("Granite", None),
    "glm": ("Glm", None),
    "smollm3": ("SmolLM3", None),
    "helium": ("Helium", None),
    "deepseek_v3": ("DeepseekV3", dict(LLM_SMALL, head_dim=32, n_routed_experts=8, num_experts_per_tok=2, moe_intermediate_size=704,
                                       n_group=2, topk_group=1, q_lora_rank=256, kv_lora_rank=128,
                                       qk_rope_head_dim=32, qk_nope_head_dim=32, v_head_dim=64, first_k_dense_replace=0)),
}
LLM_PARTS = {  # part: class name suffixes tried in order
    "attention": ("Attention",),
    "mlp": ("MLP",),
    "moe": ("SparseMoeBlock", "MoE"),
    "decoder_layer": ("DecoderLayer", "Block", "Layer"),
}


def gen_llm_layer() -> list[str]:
    import importlib
    import inspect

    import transformers

    skip = skipped("llm_layer")
    written = []
    for family, (prefix, kwargs) in LLM_FAMILIES.items():
        try:
            mod = importlib.import_module(f"transformers.models.{family}.modeling_{family}")
            conf_mod = importlib.import_module(f"transformers.models.{family}.configuration_{family}")
        except ImportError:
            continue
        # gemma3's text-only config (Gemma3Config is the vision-language one)
        wanted = f"{prefix}TextConfig" if family == "gemma3" else f"{prefix}Config"
        config_name = next(n for n in dir(conf_mod) if n.lower() == wanted.lower())
        kwargs = dict(LLM_SMALL if kwargs is None else kwargs)
        if family not in ("gpt2",):
            # gemma2's attention logit soft-capping is not supported by sdpa
            kwargs["attn_implementation"] = "eager" if family == "gemma2" else "sdpa"
        config_args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        hidden = "config.n_embd" if family == "gpt2" else "config.hidden_size"
        rotary = getattr(mod, f"{prefix}RotaryEmbedding", None)
        for part, suffixes in LLM_PARTS.items():
            cls = next((getattr(mod, prefix + s) for s in suffixes if hasattr(mod, prefix + s)), None)
            if cls is None or (part == "mlp" and family in ("mixtral", "qwen3_moe", "deepseek_v3")):
                continue
            name = f"{family}_{part}"
            if name in skip:
                continue
            init = inspect.signature(cls.__init__).parameters
            init_args = ["config"]
            if "intermediate_size" in init:
                init_args.insert(0, f"4 * {hidden}")
            if "layer_idx" in init:
                init_args.append("layer_idx=0")
            fwd = inspect.signature(cls.forward).parameters
            call_args = ["hidden_states"]
            pre = []
            if rotary is not None and part in ("attention", "decoder_layer") and "position_embeddings" in fwd:
                pre = [
                    "# rotary position embeddings (cos, sin), computed once outside the block (no parameters)",
                    f"rotary = {prefix}RotaryEmbedding(config)",
                    "position_ids = torch.arange(max_seq_length).unsqueeze(0).expand(batch_size, -1)",
                    "position_embeddings = rotary(hidden_states, position_ids)",
                ]
                call_args.append("position_embeddings=position_embeddings")
                if "position_ids" in fwd:
                    call_args.append("position_ids=position_ids")
            for pname, p in list(fwd.items())[2:]:
                if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) \
                        and pname not in ("position_embeddings", "position_ids"):
                    call_args.append(f"{pname}=None")
            what = {"attention": "self-attention", "mlp": "feed-forward MLP", "moe": "mixture-of-experts feed-forward",
                    "decoder_layer": "full decoder block (attention + MLP + norms)"}[part]
            doc = (
                f"transformers {transformers.__version__}: the {what} of {prefix} "
                f"(``transformers.models.{family}.modeling_{family}.{cls.__name__}``), random weights, "
                f"built from the small config ``{config_name}({config_args})``."
            )
            imports = [cls.__name__] + ([f"{prefix}RotaryEmbedding"] if pre else [])
            text = "\n".join([
                header(name, "transformers", "Text_Generation", "Natural_Language_Processing", doc),
                "import torch",
                f"from transformers import {config_name}",
                f"from transformers.models.{family}.modeling_{family} import {', '.join(imports)}",
                "from mlagility.parser import parse",
                "",
                'batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])',
                "",
                "torch.manual_seed(0)",
                f"config = {config_name}({config_args})",
                f"model = {cls.__name__}({', '.join(init_args)})",
                "model.eval()",
                "",
                f"hidden_states = torch.randn(batch_size, max_seq_length, {hidden})",
                *pre,
                "",
                f"model({', '.join(call_args)})",
            ])
            write("llm_layer", name, text)
            written.append(name)
    return written


# --------------------------------------------------------------------------------------------
# pruning after verify
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# keras (Keras 3 on TensorFlow) and sklearn (scikit-learn, XGBoost, LightGBM)
# --------------------------------------------------------------------------------------------

KERAS_APPLICATIONS = [
    "ConvNeXtTiny", "ConvNeXtSmall", "DenseNet121", "DenseNet169", "DenseNet201", "EfficientNetB0",
    "EfficientNetB1", "EfficientNetB2", "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2S",
    "InceptionV3", "InceptionResNetV2", "MobileNet", "MobileNetV2", "MobileNetV3Small",
    "MobileNetV3Large", "NASNetMobile", "ResNet50", "ResNet101", "ResNet50V2", "ResNet101V2",
    "VGG16", "VGG19", "Xception",
]


def gen_keras() -> list[str]:
    """Each ``keras.applications`` model, built once here with ``weights=None`` to read its
    default input size (height, width, channels)."""
    import keras

    names = []
    for app in KERAS_APPLICATIONS:
        name = clean(app)
        if name in skipped("keras"):
            continue
        model = getattr(keras.applications, app)(weights=None)
        height, width, channels = model.input_shape[1:]
        del model
        keras.backend.clear_session()
        size = f"default input size {height}x{width}x{channels} (channels last)"
        if height is None:  # MobileNetV3 accepts any size: its documented default is 224x224
            height = width = 224
            size = f"input size 224x224x{channels} (channels last; the model takes any size, 224 is its default)"
        doc = f"Keras {keras.__version__}: ``keras.applications.{app}(weights=None)`` (random weights), {size}."
        write("keras", name, header(name, "keras", "Image_Classification", "Computer_Vision", doc) + f"""
import keras
import numpy as np
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

keras.utils.set_random_seed(0)
model = keras.applications.{app}(weights=None)

inputs = np.random.rand(batch_size, {height}, {width}, {channels}).astype("float32")

model(inputs)
""")
        names.append(name)
    return names


# name: (import line, estimator expression, task, method, float32 data)
SKLEARN_ESTIMATORS = {
    "logistic_regression": ("from sklearn.linear_model import LogisticRegression", "LogisticRegression(max_iter=1000)", "c", "predict_proba"),
    "linear_regression": ("from sklearn.linear_model import LinearRegression", "LinearRegression()", "r", "predict"),
    "ridge": ("from sklearn.linear_model import Ridge", "Ridge(alpha=1.0)", "r", "predict"),
    "decision_tree_classifier": ("from sklearn.tree import DecisionTreeClassifier", "DecisionTreeClassifier(max_depth=8, random_state=0)", "c", "predict_proba"),
    "random_forest_classifier": ("from sklearn.ensemble import RandomForestClassifier", "RandomForestClassifier(n_estimators=100, max_depth=10, random_state=0)", "c", "predict_proba"),
    "random_forest_regressor": ("from sklearn.ensemble import RandomForestRegressor", "RandomForestRegressor(n_estimators=100, max_depth=10, random_state=0)", "r", "predict"),
    "extra_trees_classifier": ("from sklearn.ensemble import ExtraTreesClassifier", "ExtraTreesClassifier(n_estimators=100, max_depth=10, random_state=0)", "c", "predict_proba"),
    "gradient_boosting_classifier": ("from sklearn.ensemble import GradientBoostingClassifier", "GradientBoostingClassifier(n_estimators=50, random_state=0)", "c", "predict_proba"),
    # HistGradientBoostingRegressor is left out: skl2onnx 1.20 fails on it ("Expected an int, got a boolean")
    "gradient_boosting_regressor": ("from sklearn.ensemble import GradientBoostingRegressor", "GradientBoostingRegressor(n_estimators=50, random_state=0)", "r", "predict"),
    "mlp_classifier": ("from sklearn.neural_network import MLPClassifier", "MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=300, random_state=0)", "c", "predict_proba"),
    "pipeline_scaler_logistic_regression": ("from sklearn.linear_model import LogisticRegression\nfrom sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler", "make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))", "c", "predict_proba"),
    "pipeline_pca_random_forest": ("from sklearn.decomposition import PCA\nfrom sklearn.ensemble import RandomForestClassifier\nfrom sklearn.pipeline import make_pipeline", "make_pipeline(PCA(n_components=8), RandomForestClassifier(n_estimators=50, max_depth=8, random_state=0))", "c", "predict_proba"),
    "xgboost_classifier": ("from xgboost import XGBClassifier", "XGBClassifier(n_estimators=100, max_depth=6, random_state=0)", "c", "predict_proba"),
    "xgboost_regressor": ("from xgboost import XGBRegressor", "XGBRegressor(n_estimators=100, max_depth=6, random_state=0)", "r", "predict"),
    "lightgbm_classifier": ("from lightgbm import LGBMClassifier", "LGBMClassifier(n_estimators=100, num_leaves=31, random_state=0, verbose=-1)", "c", "predict_proba"),
    "lightgbm_regressor": ("from lightgbm import LGBMRegressor", "LGBMRegressor(n_estimators=100, num_leaves=31, random_state=0, verbose=-1)", "r", "predict"),
}


def gen_sklearn() -> list[str]:
    """Estimators fitted on generated data (1,000 rows, 20 features, float32), then called once."""
    import sklearn

    names = []
    for name, (imports, expression, kind, method) in SKLEARN_ESTIMATORS.items():
        author = name.split("_")[0] if name.startswith(("xgboost", "lightgbm")) else "sklearn"
        library = {"xgboost": "XGBoost", "lightgbm": "LightGBM"}.get(author, f"scikit-learn {sklearn.__version__}")
        if kind == "c":
            data = "make_classification(n_samples=1000, n_features=20, n_informative=10, n_classes=3, random_state=0)"
            make, task = "make_classification", "Tabular_Classification"
        else:
            data = "make_regression(n_samples=1000, n_features=20, n_informative=10, random_state=0)"
            make, task = "make_regression", "Tabular_Regression"
        doc = (f"{library}: ``{expression}`` fitted on ``{make}`` data (1,000 rows, 20 features, "
               f"float32), then ``{method}`` on ``batch_size`` rows.")
        write("sklearn", name, header(name, author, task, "Tabular", doc) + f"""
import numpy as np
from sklearn.datasets import {make}
{imports}
from mlagility.parser import parse

(batch_size,) = parse(["batch_size"])

X, y = {data}
X = X.astype(np.float32)
model = {expression}
model.fit(X, y)

inputs = X[:batch_size]

model.{method}(inputs)
""")
        names.append(name)
    return names


def prune(csv_path: str) -> None:
    """Delete failing scripts of a verify CSV and list them in their corpus' skipped.txt."""
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    by_corpus: dict[str, list[str]] = {}
    for row in rows:
        if row["status"] == "ok" and int(row["calls"]) == int(row.get("expected") or 1):
            continue
        path = Path(row["script"])
        if not path.is_absolute():
            path = ROOT.parent / path
        corpus = path.parent.name
        reason = row["status"] if row["status"] != "ok" else f"{row['calls']} top-level model calls"
        err = re.sub(r"\s+", " ", row["error"])[:150]
        by_corpus.setdefault(corpus, []).append(f"{path.stem}  # {reason}: {err}".rstrip(": "))
        if path.exists():
            path.unlink()
    for corpus, lines in by_corpus.items():
        skip_file = ROOT / corpus / "skipped.txt"
        old = skip_file.read_text().splitlines() if skip_file.exists() else [
            f"# {corpus} models that models/generate.py does not write: they failed models/verify.py",
            "# (error, timeout over the time limit, or not exactly one top-level model call).",
        ]
        known = {line.split("#", 1)[0].strip() for line in old}
        new = [line for line in lines if line.split("#", 1)[0].strip() not in known]
        skip_file.write_text("\n".join(old + sorted(new)) + "\n")
        print(f"{corpus}: pruned {len(new)} scripts")


GENERATORS = {
    "torchvision": gen_torchvision,
    "timm": gen_timm,
    "transformers": gen_transformers,
    "llm_layer": gen_llm_layer,
    "keras": gen_keras,
    "sklearn": gen_sklearn,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpora", nargs="*", help=f"which corpora to generate: {', '.join(GENERATORS)}")
    ap.add_argument("--prune", metavar="CSV", help="remove the scripts that failed in a verify.py CSV")
    ap.add_argument("--order", metavar="FILE", help="timm, transformers: write the scripts, cheapest first, to FILE.<corpus>")
    args = ap.parse_args()
    if args.prune:
        prune(args.prune)
    for corpus in args.corpora:
        if corpus in ("timm", "transformers"):
            names = GENERATORS[corpus](args.order and f"{args.order}.{corpus}")
        else:
            names = GENERATORS[corpus]()
        print(f"{corpus}: wrote {len(names)} scripts")


if __name__ == "__main__":
    sys.exit(main())
