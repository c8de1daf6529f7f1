"""Discover the models a script calls, using torch's global module hooks.

No profiler and no ``sys.setprofile``: plain Python code in the script runs at full speed, and
only ``torch.nn.Module`` calls pass through our hooks. Every hook is removed in ``__exit__``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from mlagility.analysis import generation as generations
from mlagility.analysis import hashing
from mlagility.analysis.copies import fresh_copy
from mlagility.analysis.model_info import Invocation, ModelInfo
from mlagility.analysis.sites import OWN_DIR, is_library_file, script_line

_TORCH_DIR = os.path.dirname(torch.__file__)
_OWN_DIR = OWN_DIR

# Called as on_invocation(invocation, module) for each new top-level invocation, hooks suspended.
InvocationCallback = Callable[[Invocation, torch.nn.Module], None]


def has_parameters(module: torch.nn.Module) -> bool:
    """Whether the module holds weights (parameters, or the packed weights of quantized modules)."""
    if next(module.parameters(), None) is not None:
        return True
    return any(name.endswith("_packed_params") for name, _ in module.named_modules()) and bool(
        hashing.weight_tensors(module))


_PARALLEL_WRAPPERS = (torch.nn.DataParallel, torch.nn.parallel.DistributedDataParallel)


def unwrap(module: torch.nn.Module) -> torch.nn.Module:
    """The model a wrapper stands for: ``torch.compile``'s ``OptimizedModule`` (``_orig_mod``),
    ``nn.DataParallel`` / ``DistributedDataParallel`` (``.module``), nested in any order."""
    for _ in range(8):
        inner = getattr(module, "_orig_mod", None)
        if inner is None and isinstance(module, _PARALLEL_WRAPPERS):
            inner = module.module
        if not isinstance(inner, torch.nn.Module):
            return module
        module = inner
    return module


def class_names(module: torch.nn.Module) -> tuple[str, str]:
    """(class name, qualified class) as the user wrote them; a ``torch.jit.script``/``trace``
    model is shown by its original class (``TinyScorer``), not ``RecursiveScriptModule``."""
    if isinstance(module, torch.jit.ScriptModule):
        try:
            qualified = module._c._type().qualified_name()
        except Exception:
            qualified = getattr(module, "original_name", type(module).__name__)
        name = getattr(module, "original_name", None) or qualified.rsplit(".", 1)[-1]
        return name, f"{qualified.replace('__torch__.', '')} (TorchScript)"
    return type(module).__name__, f"{type(module).__module__}.{type(module).__qualname__}"


@dataclass
class _Tracked:
    module: torch.nn.Module
    info: ModelInfo
    instance: int = 0  # 0 for the first object with this model hash, 1 for the second...


@dataclass
class _Call:
    """A module call in progress, and the completed sub-model calls made inside it."""

    module: torch.nn.Module
    children: list = field(default_factory=list)


@dataclass
class _Completed:
    module: torch.nn.Module
    args: tuple
    kwargs: dict
    children: list
    result: object = None


@dataclass
class _Loop:
    """A call that returned a KV cache, and the calls that passed that cache back (decode steps
    of a hand-written loop), until another call comes."""

    prefill: _Completed
    cache: object  # the cache object the next step must pass to continue the loop
    call: object  # generations.DecodeLoopCall, or None when the prefill cannot be replayed
    steps: int = 0


class ModelDiscovery:
    """Context manager: while active, records every call of a model the script makes.

    ``max_depth`` 0 records the models the script calls itself; N also records the sub-models
    that run inside them, down to depth N, each with its parent invocation.
    """

    def __init__(self, script: str | os.PathLike, on_invocation: InvocationCallback, max_depth: int = 0):
        self.script = str(Path(script).resolve())
        self.on_invocation = on_invocation
        self.max_depth = max_depth
        self.invocations: list[Invocation] = []
        self._by_key: dict[tuple[int, str], Invocation] = {}
        self._tracked: dict[int, _Tracked] = {}
        self._instances: dict[str, int] = {}  # model hash -> how many distinct objects have it
        self._created: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._handles: list = []
        # Hooks are process-wide; the call stack is per thread, recording is under one lock.
        self._local = threading.local()
        self._lock = threading.RLock()
        self._stacks: dict[int, list] = {}  # thread id -> that thread's stack (to see who is busy)
        self._model_threads: weakref.WeakSet = weakref.WeakSet()  # non-main threads that called models
        self._pending: list[tuple[Invocation, torch.nn.Module]] = []  # builds deferred to the main thread
        self._building = False
        self._fast = max_depth == 0
        self._fast_handle = None
        self._generating: _Watch | None = None  # the script's generate() in progress
        self._loops: dict[int, _Loop] = {}  # id(model) -> a decode loop that may go on
        self._generate_patch: tuple | None = None  # (GenerationMixin, its own generate)

    # -- hook lifetime -------------------------------------------------------------------
    def __enter__(self) -> "ModelDiscovery":
        self._register()
        self.watch_generate()
        return self

    def __exit__(self, exc_type, *exc) -> None:
        try:
            if exc_type is None or not issubclass(exc_type, KeyboardInterrupt):
                self._run_pending(final=True)
        finally:
            self._remove()
            self._unwatch_generate()

    # -- generate(): one model with its steps (analysis/generation.py) ---------------------------
    def watch_generate(self) -> None:
        """Wrap transformers' ``GenerationMixin.generate`` (once transformers is imported; called
        again from an import hook); undone in ``__exit__``."""
        mixin = generations.generation_mixin()
        if mixin is None or self._generate_patch is not None or "generate" not in mixin.__dict__:
            return
        original = mixin.__dict__["generate"]
        discovery = self

        def generate(model, *args, **kwargs):
            return discovery._generate(original, model, args, kwargs)

        generate.__wrapped__ = original
        generate.__doc__, generate.__name__ = original.__doc__, original.__name__
        mixin.generate = generate
        self._generate_patch = (mixin, original)

    def _unwatch_generate(self) -> None:
        if self._generate_patch is not None:
            mixin, original = self._generate_patch
            mixin.generate = original
            self._generate_patch = None

    def _generate(self, original, model, args: tuple, kwargs: dict):
        """The script's ``generate()``: run as called, its model calls counted (not recorded one
        by one), then recorded as one generation. Nothing benchit raises reaches the script."""
        watching = (self._handles and not self._building and self._generating is None and not self._stack
                    and threading.current_thread() is threading.main_thread() and not inside_module_init())
        if not watching:
            return original(model, *args, **kwargs)
        try:
            call = generations.snapshot(model, args, kwargs)
        except Exception:  # arguments benchit cannot copy: the script's call is left alone
            return original(model, *args, **kwargs)
        watch = self._generating = _Watch(unwrap(model))
        try:
            output = original(model, *args, **kwargs)
        finally:
            self._generating = None
        try:
            with self._lock:
                self._record_generation(model, call, watch, output)
        except Exception as error:  # benchit's own fault: the script gets its output all the same
            print(f"mlagility: could not record the generation of {type(model).__name__}: {error}", file=sys.stderr)
        self._run_pending()
        return output

    def _record_generation(self, called, call, watch: "_Watch", output) -> None:
        module = unwrap(called)
        info = generations.describe(module, call, output, watch.cache, watch.use_cache, watch.calls)
        call.tokens = generations.new_token_ids(module, call, output).detach().clone()
        call.info = info
        specs = hashing.tensor_specs(call.args, call.kwargs)
        constants = [(k, repr(v)) for k, v in call.kwargs.items() if isinstance(v, (int, float, bool, str, type(None)))]
        self._add_generation(called, call, specs, "generate",
                             f"new={info.new_tokens}|{info.mode}|{info.cache}|use_cache={info.use_cache}", constants)

    def _add_generation(self, called, call, specs, kind: str, facts: str, constants=()) -> None:
        """Record a generation (``generate()`` or a decode loop) as one invocation of its model:
        one per model and sizes; the same again only counts an execution."""
        module = unwrap(called)
        tracked = self._track(module, called, None, 0)
        signature = f"{kind}|" + "|".join(f"{s.name}=T{s.shape}{s.dtype}" for s in specs) + f"|{facts}"
        inv_hash = hashing.invocation_hash(tracked.info.model_hash, signature, None, tracked.instance)
        key = (id(module), inv_hash)
        if key in self._by_key:
            self._by_key[key].executions += 1
            return
        invocation = Invocation(hash=inv_hash, model=tracked.info, inputs=specs, signature=signature,
                                constants=list(constants), generation=call.info, call=call)
        self._by_key[key] = invocation
        self.invocations.append(invocation)
        self._pending.append((invocation, module))

    @property
    def _stack(self) -> list:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
            with self._lock:
                self._stacks[threading.get_ident()] = stack
        return stack

    @contextlib.contextmanager
    def suspended(self):
        """Remove the hooks for a while (to export or time a model), then put them back."""
        active = bool(self._handles)
        self._remove()
        try:
            yield
        finally:
            if active:
                self._register()

    def _register(self) -> None:
        hooks = torch.nn.modules.module
        self._handles = [
            hooks.register_module_forward_pre_hook(self._before_call),
            hooks.register_module_forward_hook(self._after_call, with_kwargs=True, always_call=True),
            hooks.register_module_parameter_registration_hook(self._on_registration),
            hooks.register_module_buffer_registration_hook(self._on_registration),
            hooks.register_module_module_registration_hook(self._on_registration),
        ]
        self._call_hooks = (self._handles[0].id, self._handles[1].id)

    def _remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        if self._fast_handle is not None:  # a top-level call interrupted (KeyboardInterrupt)
            self._fast_handle.remove()
            self._fast_handle = None

    # -- the fast path (max_depth 0, one thread) ------------------------------------------------
    # With max_depth 0 nothing below a top-level model call is recorded, yet the global hooks make
    # every submodule call take torch's slow path (hooks looked up, closures, try/except) and run
    # two Python hooks. So for the duration of a top-level call the two global call hooks are taken
    # out of torch's hook dicts (submodules take torch's no-hook fast path) and one always-called
    # forward hook on the called module itself puts them back when it returns or raises. Only when
    # the process runs a single Python thread: with several, another thread's calls must still be
    # seen, so every call goes through the hooks (per-thread stacks).
    def _take_fast_path(self, module) -> None:
        pre_id, post_id = self._call_hooks
        hooks = torch.nn.modules.module
        pre = hooks._global_forward_pre_hooks.pop(pre_id, None)
        post = hooks._global_forward_hooks.pop(post_id, None)
        if pre is None or post is None:  # not ours to take (suspended, or already out)
            if pre is not None:
                hooks._global_forward_pre_hooks[pre_id] = pre
            if post is not None:
                hooks._global_forward_hooks[post_id] = post
            return

        def returned(called, args, kwargs, result):
            handle.remove()
            self._fast_handle = None
            if self._handles and self._call_hooks == (pre_id, post_id):
                hooks._global_forward_pre_hooks[pre_id] = pre
                hooks._global_forward_hooks[post_id] = post
            if _raised_in(called):  # torch passes kwargs to this hook even when forward raised
                self._after_call(called, args, None)
            else:
                self._after_call(called, args, kwargs, result)

        handle = self._fast_handle = module.register_forward_hook(returned, with_kwargs=True, always_call=True)

    # -- hooks ---------------------------------------------------------------------------
    def _on_registration(self, module, _name, _value) -> None:
        if module not in self._created:
            self._created[module] = self._creation_site(module)

    def _before_call(self, module, _args) -> None:
        if torch.compiler.is_compiling():
            return
        stack = self._stack
        stack.append(_Call(module))
        if len(stack) == 1:
            if threading.current_thread() is not threading.main_thread():
                self._model_threads.add(threading.current_thread())
            elif self._fast and _single_model_thread() and _fast_path_allowed(module):
                self._take_fast_path(module)

    def _after_call(self, module, args, *rest) -> None:
        if torch.compiler.is_compiling():
            return
        stack = self._stack
        if not stack or stack[-1].module is not module:
            return
        call = stack.pop()
        depth = len(stack)
        if self._generating is not None and depth == 0:  # a step of the script's generate()
            if threading.current_thread() is threading.main_thread():
                self._generating.saw(module, rest[0] if len(rest) == 2 else {})
            return
        if depth > self.max_depth and not (depth and unwrap(stack[-1].module) is module):
            return  # too deep to record (checked first: has_parameters walks the whole module)
        if len(rest) != 2 or not has_parameters(module):
            return  # the call raised (rest == (result,)), or this module is not a model
        if depth and unwrap(stack[-1].module) is module:  # a wrapper's inner call (compile, DataParallel)
            stack[-1].children.extend(call.children)
            return
        done = _Completed(module, args, rest[0], call.children, rest[1])
        if depth:
            stack[-1].children.append(done)
        elif not inside_module_init():
            with self._lock:
                self._top_level_call(done)
            self._run_pending()

    # -- builds: only on the main thread, never while another thread is running a model ----------
    def _can_build_now(self) -> bool:
        if threading.current_thread() is not threading.main_thread() or self._building:
            return False
        me = threading.get_ident()
        with self._lock:
            busy = any(stack for ident, stack in self._stacks.items() if ident != me)
        return not busy and not any(thread.is_alive() for thread in list(self._model_threads))

    def _run_pending(self, final: bool = False) -> None:
        """Hand the deferred invocations to the callback, from the main thread (at the end of the
        script, whatever other threads are doing; the hooks are suspended while they build)."""
        if final and threading.current_thread() is threading.main_thread():
            with self._lock:
                self._close_loops()
        if not self._pending or threading.current_thread() is not threading.main_thread():
            return
        if not final and not self._can_build_now():
            return
        while self._pending:
            with self._lock:
                invocation, module = self._pending.pop(0)
            self._build(invocation, module)

    def _build(self, invocation: Invocation, module) -> None:
        self._building = True
        try:
            with self.suspended():
                self.on_invocation(invocation, module)
        finally:
            self._building = False

    # -- hand-written decode loops (analysis/generation.py: DecodeLoopCall) ---------------------
    def _top_level_call(self, done: _Completed) -> None:
        """A call the script made: a decode step of an open loop (the model called again with
        the cache it returned: counted, its inputs kept), the start of a possible loop (a call
        that returned a cache: recorded once the next call shows what it was), or a plain call."""
        module = unwrap(done.module)
        key, cache_in = generations.cache_argument(done.kwargs)
        loop = self._loops.get(id(module))
        if loop is not None and cache_in is not None and cache_in is loop.cache:
            loop.steps += 1
            if loop.call is not None:
                loop.call.steps.append(_detached_copy((done.args, {k: v for k, v in done.kwargs.items() if k != key})))
                loop.call._tokens.append(generations.last_token(done.result))
            loop.cache = generations.returned_cache(done.result) or cache_in
            return
        self._close_loops()
        cache_out = generations.returned_cache(done.result)
        main = threading.current_thread() is threading.main_thread()
        if cache_out is not None and self.max_depth == 0 and main:
            self._track(module, done.module, None, 0)  # named now, from the script's frames
            self._loops[id(module)] = _Loop(done, cache_out, self._loop_call(done, key, cache_in))
            return
        self._record_tree(done, root=None, parent=None, depth=0)

    def _loop_call(self, done: _Completed, key: str | None, cache_in):
        """The prefill of a possible decode loop, its cache argument as it was before the call."""
        try:
            args, kwargs = _detached_copy((done.args, {k: v for k, v in done.kwargs.items() if k != key}))
            key = key or "past_key_values"
            if cache_in is not None:
                first = generations.main_input(done.args, done.kwargs)
                query = int(first.shape[-1]) if first is not None and first.dim() >= 1 else 0
                if "inputs_embeds" in done.kwargs and done.kwargs["inputs_embeds"] is not None:
                    query = int(done.kwargs["inputs_embeds"].shape[1])
                start = generations.initial_cache(cache_in, query)
                if start is None:
                    return None
                kwargs[key] = start
            call = generations.DecodeLoopCall(args, kwargs, key,
                                              precision=generations.script_precision(unwrap(done.module)))
            call._tokens.append(generations.last_token(done.result))
            return call
        except Exception:
            return None

    def _close_loops(self) -> None:
        """Record the open loops: one generation each, or the plain call when no step came."""
        while self._loops:
            _, loop = self._loops.popitem()
            if loop.steps == 0 or loop.call is None or any(t is None for t in loop.call._tokens):
                self._record_tree(loop.prefill, root=None, parent=None, depth=0)
                continue
            self._record_loop(loop)

    def _record_loop(self, loop: _Loop) -> None:
        import torch as _torch

        called, call = loop.prefill.module, loop.call
        module = unwrap(called)
        first = generations.main_input(call.prefill_args, call.prefill_kwargs)
        shape = tuple(first.shape) if first is not None else (1, 0)
        call.tokens = _torch.stack(call._tokens, dim=-1)
        call.info = generations.GenerationInfo(
            batch_size=int(shape[0]) if shape else 1, prompt_tokens=int(shape[-1]) if len(shape) >= 2 else 0,
            new_tokens=loop.steps + 1, mode="decode loop (the script's model calls, replayed)",
            cache=type(loop.cache).__name__, use_cache=True, model_calls=loop.steps + 1, precision=call.precision)
        call.model = module
        specs = hashing.tensor_specs(call.prefill_args, {k: v for k, v in call.prefill_kwargs.items()
                                                         if k != call.cache_key})
        self._add_generation(called, call, specs, "decode-loop", f"steps={loop.steps}|{call.info.cache}")

    # -- recording -----------------------------------------------------------------------
    def _record_tree(self, done: _Completed, root, parent: str | None, depth: int) -> None:
        invocation = self._record(done.module, done.args, done.kwargs, root, parent, depth)
        for child in done.children:
            self._record_tree(child, root or invocation, invocation.hash, depth + 1)

    def _record(self, called, args, kwargs, root: Invocation | None, parent: str | None, depth: int) -> Invocation:
        module = unwrap(called)
        tracked = self._track(module, called, root, depth)
        signature, specs = hashing.input_signature(module, args, kwargs)
        inv_hash = hashing.invocation_hash(tracked.info.model_hash, signature, parent, tracked.instance)
        key = (id(module), inv_hash)
        if key in self._by_key:
            self._by_key[key].executions += 1
            return self._by_key[key]
        invocation = Invocation(
            hash=inv_hash,
            model=tracked.info,
            inputs=specs,
            signature=signature,
            parent_invocation=parent,
            constants=hashing.constant_arguments(module, args, kwargs),
            args=_detached_copy(args),
            kwargs=_detached_copy(kwargs),
        )
        self._by_key[key] = invocation
        self.invocations.append(invocation)
        self._pending.append((invocation, module))
        return invocation

    def _track(self, module, called, root: Invocation | None, depth: int) -> _Tracked:
        tracked = self._tracked.get(id(module))
        if tracked is None:
            file, line = self._created.get(module) or self._created.get(called) or self._call_site()
            params = hashing.weight_tensors(module)
            class_name, qualified_class = class_names(module)
            model_hash = hashing.model_hash(module)
            # Two objects with one architecture (a student and a teacher) are two models: the
            # second one's invocations get their own hashes (and builds); the first keeps its own.
            instance = self._instances.get(model_hash, 0)
            self._instances[model_hash] = instance + 1
            info = ModelInfo(
                name=self._sub_model_name(module, root) if root else self._variable_name(module, called),
                depth=depth,
                parent_hash=root.model.model_hash if root else None,
                class_name=class_name,
                qualified_class=qualified_class,
                file=file,
                line=line,
                params=sum(p.numel() for p in params),
                size_mb=sum(p.numel() * p.element_size() for p in params) / 1e6,
                model_hash=model_hash,
                wrapper=type(called).__name__ if called is not module else None,
            )
            tracked = self._tracked[id(module)] = _Tracked(module, info, instance)
        return tracked

    # -- where in the user's code ----------------------------------------------------------
    def _user_frames(self):
        frame = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if not filename.startswith(_TORCH_DIR) and not filename.startswith(_OWN_DIR):
                yield frame
            frame = frame.f_back

    def _creation_site(self, module) -> tuple[str, int]:
        """The line of user code that created ``module`` (never a line inside a library, nor in
        the module's own ``__init__``)."""
        return script_line(self._user_frames(), self.script, skip=lambda f: f.f_locals.get("self") is module)

    def _call_site(self) -> tuple[str, int]:
        for frame in self._user_frames():
            if not is_library_file(frame.f_code.co_filename):
                return frame.f_code.co_filename, frame.f_lineno
        return ("", 0)

    def _sub_model_name(self, module, root: Invocation) -> str:
        """``model.encoder.fc1``: the attribute path from the top model the script called."""
        top = self._tracked_module(root.model)
        for path, sub in (top.named_modules() if top is not None else ()):
            if sub is module and path:
                return f"{root.model.name}.{path}"
        return f"{root.model.name}.{type(module).__name__}"

    def _tracked_module(self, info: ModelInfo):
        return next((t.module for t in self._tracked.values() if t.info is info), None)

    def _variable_name(self, module, called) -> str:
        """The script's name for the model: a variable holding it (``lm``), else the attribute
        path to it from a variable of the script's frame (``pipe.vae.decoder``: a part of a
        pipeline or of a larger model the script called a method of), else its class name."""
        for frame in self._user_frames():
            for scope in (frame.f_locals, frame.f_globals):
                for name, value in scope.items():
                    if (value is called or value is module) and not name.startswith("_") and name != "self":
                        return name
            if not is_library_file(frame.f_code.co_filename):
                break
        for index, frame in enumerate(self._user_frames()):  # the script's frames, innermost first
            if index >= 8:
                break
            if is_library_file(frame.f_code.co_filename):
                continue
            for scope in (frame.f_locals, frame.f_globals):
                for name, value in list(scope.items()):
                    if name.startswith("_") or name in ("self", "cls"):
                        continue
                    path = _attribute_path(value, module)
                    if path:
                        return f"{name}.{path}"
        return type(module).__name__


def _attribute_path(owner, module, depth: int = 0) -> str | None:
    """``vae.decoder``: the attribute path from ``owner`` (a module, or an object such as a
    pipeline holding modules as attributes) to ``module``; None when it holds none."""
    if owner is module or depth > 2 or isinstance(owner, (type, str, bytes, int, float, bool)) or owner is None:
        return None
    if isinstance(owner, torch.nn.Module):
        for path, sub in owner.named_modules(remove_duplicate=False):
            if sub is module and path:
                return path
        return None
    try:
        attributes = vars(owner)
    except TypeError:
        return None
    for name, value in list(attributes.items())[:200]:
        if name.startswith("_") or not isinstance(value, torch.nn.Module):
            continue
        if value is module:
            return name
        path = _attribute_path(value, module, depth + 1)
        if path:
            return f"{name}.{path}"
    return None


@dataclass
class _Watch:
    """What the model calls inside one ``generate()`` showed: how many, with which cache."""

    model: torch.nn.Module
    calls: int = 0
    cache: str | None = None
    use_cache: bool | None = None

    def saw(self, module, kwargs: dict) -> None:
        if unwrap(module) is not self.model:
            return  # an encoder or another part, called by generate() itself
        self.calls += 1
        cache = kwargs.get("past_key_values", kwargs.get("cache"))
        if cache is not None and self.cache is None:
            self.cache = type(cache).__name__
        if kwargs.get("use_cache") is not None and self.use_cache is None:
            self.use_cache = bool(kwargs["use_cache"])


_CALL_IMPL = torch.nn.Module._call_impl.__code__


# Threads known never to call a model: rich's live display (benchit's own status tree), tqdm's monitor.
_QUIET_THREADS = {("rich.live", "_RefreshThread"), ("tqdm._monitor", "TMonitor")}


def _single_model_thread() -> bool:
    """Whether the main thread is the only thread that could call a model right now."""
    if threading.active_count() == 1:
        return True
    main = threading.main_thread()
    return all(
        thread is main or (type(thread).__module__, type(thread).__name__) in _QUIET_THREADS
        for thread in threading.enumerate()
    )


def _fast_path_allowed(module) -> bool:
    """Not for ScriptModules (no Python hooks on them) nor ``module.compile()``d modules (dynamo
    compiles ``_call_impl`` with the module's hooks: adding one per call would recompile)."""
    return not isinstance(module, torch.jit.ScriptModule) and getattr(module, "_compiled_call_impl", None) is None


def _raised_in(module) -> bool:
    """Whether ``module``'s call is unwinding an exception (its ``_call_impl`` caught one)."""
    error = sys.exc_info()[1]
    tb = error.__traceback__ if error is not None else None
    return tb is not None and tb.tb_frame.f_code is _CALL_IMPL and tb.tb_frame.f_locals.get("self") is module


def inside_module_init() -> bool:
    """Whether a module's ``__init__`` is running: calls made to build a model (e.g. a backbone
    run once to size a head) are construction, not the script calling a model."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "__init__" and isinstance(frame.f_locals.get("self"), torch.nn.Module):
            return True
        frame = frame.f_back
    return False


def _detached_copy(value):
    """A copy of the inputs that the script cannot change afterwards, nor benchit's calls change
    for the script (``copies.fresh_copy``: cache objects and lists too; inference mode lifted)."""
    return fresh_copy(value)
