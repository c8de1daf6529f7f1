"""The framework contract: what a framework alone knows, declared once.

A framework is a ``Framework`` subclass registered through the ``mlagility.frameworks``
entry-point group (``registry.py``), exactly as a plugin's would be. Everything benchit does per
framework reads it:

- **discovered**: ``roots`` (the modules whose import installs its discovery; a script that imports
  none of them never pays for the framework) and ``discovery(...)`` (the object installed then: it
  gets ``install(module)`` for each imported module of ``roots``/``follows``, records invocations
  and hands each back through ``on_invocation``; ``analysis/framework_discovery.py`` protocol);
- **described**: ``name`` (the ``model_type`` recorded with every build), ``label`` (how the tree
  names its models), ``owns(model)`` (is a live object one of its models? never imports the
  framework), ``describe_call`` (the ``Invocation`` ``benchmark_model`` builds);
- **exported**: ``sequence(options)`` (its default build sequence; its stage names are recorded in
  the build identity);
- **referenced and compared**: ``reference_runtime`` (the runtime that runs the framework itself:
  its outputs are not checked against themselves), ``reference_label`` ("Outputs match ..."),
  ``weights_hash`` (to notice changed weights), ``live_reference`` (outputs of the live model for
  runtimes that run it; default: the ``reference.npz`` its build saved).

This module imports nothing but ``common/``: the registry and the consumers below the frameworks
(analysis, builds, api) read it without importing any framework.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar


class Framework:
    """One framework (see the module docstring). Subclasses override the classmethods."""

    name: ClassVar[str] = ""  # the model_type: "pytorch", "keras", "sklearn"
    label: ClassVar[str] = ""  # the tree: "Keras (keras.Model)"
    roots: ClassVar[tuple[str, ...]] = ()  # importing one of these installs the discovery
    submodules: ClassVar[bool] = True  # ... and importing any of their submodules
    follows: ClassVar[tuple[str, ...]] = ()  # other packages whose modules the discovery is shown
    reference_runtime: ClassVar[str | None] = None  # the runtime running the framework itself (None:
    # none; the outputs the build saved are the reference)
    reference_label: ClassVar[str] = ""  # "Outputs match <reference_label>"
    priority: ClassVar[int] = 100  # owns() is asked in ascending priority (Keras-on-torch: Keras)

    @classmethod
    def owns(cls, model: Any) -> bool:
        """Whether ``model`` is one of this framework's models (looks in ``sys.modules`` only)."""
        raise NotImplementedError

    @classmethod
    def discovery(cls, script: str, on_invocation: Callable, max_depth: int = 0):
        """The discovery installed when the script imports one of ``roots``."""
        raise NotImplementedError

    @classmethod
    def describe_call(cls, model: Any, inputs: Any, build_name: str | None):
        """The ``Invocation`` of ``model`` called with ``inputs`` (``benchmark_model``); raises
        ``UsageError`` for a call it cannot describe."""
        raise NotImplementedError

    @classmethod
    def weights_hash(cls, model: Any) -> str:
        """A hash of the model's weights / fitted values."""
        raise NotImplementedError

    @classmethod
    def sequence(cls, options):
        """The default build ``Sequence`` of an invocation, for ``BuildOptions`` ``options``."""
        raise NotImplementedError

    @classmethod
    def build_plan(cls, request) -> tuple[Any, dict] | None:
        """The stages to run for an invocation and the build identity to record, or None for the
        default plan (``api/frameworks.py``: ``sequence``, its stage names recorded)."""
        return None

    @classmethod
    def live_reference(cls, context) -> list | None:
        """Reference outputs for runtimes that run the live model (default: None, meaning the
        outputs the build saved, ``reference.npz``)."""
        return None

    @classmethod
    def validate(cls) -> None:
        """Raise ``TypeError`` if the class breaks the contract (run at registration)."""
        where = f"{cls.__module__}.{cls.__qualname__}"
        for attribute in ("name", "label", "reference_label"):
            value = getattr(cls, attribute)
            if not value or not isinstance(value, str):
                raise TypeError(f"{where} has no {attribute}")
        if not cls.name.isidentifier() or cls.name in ("onnx", "unknown"):
            raise TypeError(f"{where}.name {cls.name!r} must be an identifier other than 'onnx' and 'unknown'")
        if cls.reference_runtime is not None and not (isinstance(cls.reference_runtime, str) and cls.reference_runtime):
            raise TypeError(f"{where}.reference_runtime must be a runtime name or None")
        if not cls.roots or not all(isinstance(root, str) and root for root in cls.roots):
            raise TypeError(f"{where}.roots must name the modules whose import installs its discovery")
        for method in ("owns", "discovery", "describe_call", "weights_hash", "sequence"):
            if getattr(cls, method).__func__ is getattr(Framework, method).__func__:
                raise TypeError(f"{where} does not implement {method}()")
