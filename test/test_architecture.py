"""The import graph of src/mlagility, read with the stdlib ``ast`` (module-level and function-level
imports alike), against the claims of docs/architecture.md: no import circle, the CLI at the top
(nothing outside ``cli/`` imports it), and each layer importing only the layers below it; an
mlagility module imported inside a function says why (``# lazy:``), and benchit's start-up imports
no third-party library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mlagility"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> dict[str, int]:
    """The mlagility modules ``module`` imports (anywhere in it), each with the line of its first import."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # "from package import module" imports that module; "from module import name", the module
            names = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in MODULES else stem for alias in node.names]
        else:
            continue
        for name in names:
            if name.partition(".")[0] != "mlagility":
                continue
            target = _resolve(name)
            if target and target != module:
                found.setdefault(target, node.lineno)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each as one circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in GRAPH[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(_circle(sorted(component)))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def _circle(component: list[str]) -> list[str]:
    """One concrete circle through the component: a -> b -> ... -> a."""
    members, start = set(component), component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for other in sorted(GRAPH[node]):
            if other == start:
                return paths[node] + [start]
            if other in members and other not in paths:
                paths[other] = paths[node] + [other]
                queue.append(other)
    return component


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and MODULES[module].name == "__init__.py") else module


def test_no_import_circles():
    found = cycles()
    assert not found, "import circles:\n" + "\n".join(" -> ".join(circle) for circle in found)


def test_nothing_below_the_cli_imports_it():
    upward = [f"{module}:{line} imports {target}" for module, targets in GRAPH.items()
              if not module.startswith("mlagility.cli") for target, line in targets.items()
              if target.startswith("mlagility.cli")]
    assert not upward, "\n".join(upward)


# What each folder may import besides itself (docs/architecture.md, "Imports follow the flow").
# Modules named in full are single exceptions the document names.
ALLOWED = {
    "common": set(),
    "scenarios": {"common", "mlagility.runtimes.outputs"},
    "analysis": {"common", "mlagility.frameworks.registry", "mlagility.frameworks.base"},
    "builds": {"common", "analysis", "mlagility.version", "mlagility.runtimes.outputs", "mlagility.runtimes.base"},
    "runtimes": {"common", "analysis", "scenarios", "builds", "frameworks"},
    "machine": {"common", "mlagility.builds.cache"},
    "reporting": {"common", "api", "frameworks", "scenarios", "runtimes", "builds", "analysis", "machine"},
    "results": {"common", "builds", "scenarios", "runtimes", "frameworks", "analysis", "reporting",
                "mlagility.sweep.attempts"},
}


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_each_layer_imports_only_the_layers_below(folder):
    allowed = ALLOWED[folder] | {folder}
    wrong = [f"{module}:{line} imports {target}" for module, targets in GRAPH.items()
             if layer(module) == folder for target, line in targets.items()
             if layer(target) not in allowed and target not in allowed]
    assert not wrong, "\n".join(wrong)


def test_frameworks_base_and_registry_import_only_common():
    for module in ("mlagility.frameworks.base", "mlagility.frameworks.registry"):
        outside = [t for t in GRAPH[module] if not t.startswith(("mlagility.common", "mlagility.frameworks.base"))]
        assert not outside, f"{module} imports {outside}"


def test_the_graph_reader_sees_function_level_imports():
    """The reader itself: a function-level import counts (the graph is not only the top of files)."""
    assert "mlagility.analysis.discovery" in GRAPH["mlagility.frameworks.pytorch"]


# -- lazy imports: only where they keep a heavy library off an importer, each saying so -----------
def function_level_imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, imported module, source text of the statement) for each import inside a function."""
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text, str(path))
    found = []

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                if isinstance(child, ast.ImportFrom):
                    name = "mlagility" if child.level else (child.module or "")
                    names = [name]
                else:
                    names = [alias.name for alias in child.names]
                source = "\n".join(lines[child.lineno - 1:child.end_lineno])
                found.extend((child.lineno, name, source) for name in names)
            visit(child, inside)

    visit(tree, False)
    return found


def test_function_level_imports_of_mlagility_say_why():
    """An mlagility module imported inside a function carries ``# lazy: <why>`` (it would pull a
    heavy library into its importer); any other belongs at the top of the file."""
    unmarked = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        unmarked += [f"{relative}:{line}: {source.strip()}" for line, name, source in function_level_imports(path)
                     if name.partition(".")[0] == "mlagility" and "# lazy:" not in source]
    assert not unmarked, "move these to the top of their file, or say why they are lazy (# lazy: pulls X):\n" + "\n".join(unmarked)


HEAVY = ("torch", "onnx", "onnxruntime", "onnxruntime_genai", "openvino", "tensorflow", "keras", "transformers",
         "numpy", "pandas", "scipy", "plotly", "jinja2", "rich", "submitit", "sklearn", "psutil")


def test_cli_start_up_imports_no_heavy_library():
    """``benchit --help`` (the CLI module and its parser) imports none of the heavy libraries,
    nor yaml: each is imported where it is used."""
    code = ("import sys\nfrom mlagility.cli.main import main\n"
            "for argv in (['--help'], ['benchmark', '--help'], ['cache', '--help'], ['version']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print(' '.join(sorted({name.partition('.')[0] for name in sys.modules})), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stderr.split())
    assert "mlagility" in loaded
    assert not loaded & {*HEAVY, "yaml"}, f"benchit's start-up imports {sorted(loaded & {*HEAVY, 'yaml'})}"
