"""Every error family mlagility raises, in one place.

Exceptions carry a one-line message naming the problem and the fix; they never print when
constructed. The CLI turns ``UsageError`` into exit code 2 and one line on stderr.
"""


import re


class MLAgilityError(Exception):
    """Base class of every error raised on purpose by mlagility."""


class UsageError(MLAgilityError):
    """The user asked for something invalid (bad path, bad flag value, bad argument)."""


class UnsupportedRuntimeError(UsageError):
    """The (device, runtime) pair is unknown or cannot run on this machine."""


class CacheError(MLAgilityError):
    """A cache directory or build directory is missing, foreign or unusable."""


class SlurmError(MLAgilityError):
    """Slurm is missing, refused a submission (e.g. unknown partition) or a job cannot be found."""


class _LoggedFailure(MLAgilityError):
    """A failure of one piece of work: ``reason`` (one line) and ``log_path`` (its log, or None)."""

    template = "{} failed: {}"

    def __init__(self, subject: str, reason: str, log_path: str | None = None):
        super().__init__(self.template.format(subject, reason))
        self.reason, self.log_path = reason, log_path


class StageError(_LoggedFailure):
    """A build stage failed; ``stage`` names it and ``log_path`` points to its log."""

    def __init__(self, stage: str, reason: str, log_path: str | None = None):
        super().__init__(stage, reason, log_path)
        self.stage = stage


class BenchmarkError(_LoggedFailure):
    """A runtime could not load or run a built model; ``runtime`` names it. A reason that starts
    with "not supported" (``is_not_supported``) is the runtime's own refusal of this model, not a
    failure of the run: the summary counts it apart and it does not change the exit code."""

    template = "benchmark on {} failed: {}"

    def __init__(self, runtime: str, reason: str, log_path: str | None = None):
        super().__init__(runtime, reason, log_path)
        self.runtime = runtime

    @property
    def not_supported(self) -> bool:
        return is_not_supported(self.reason)


NOT_SUPPORTED = "not supported"  # how every runtime's refusal of a model begins ("not supported on ort: ...")


def is_not_supported(reason: str | None) -> bool:
    """Whether a runtime's outcome is a refusal of the model (``not supported...: <why>``), the
    one convention every runtime, the artifact rule and the pipeline follow; the reason crosses
    child processes as text, so the text is the contract."""
    return bool(reason) and reason.lstrip().startswith(NOT_SUPPORTED)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def root_cause(error: BaseException) -> BaseException:
    """The innermost exception of a chain (exporters wrap the real reason several times)."""
    seen = set()
    while id(error) not in seen:
        seen.add(id(error))
        inner = error.__cause__ or error.__context__
        if inner is None:
            break
        error = inner
    return error


def one_line(error: BaseException | str, limit: int = 300) -> str:
    """A single line describing an error, for status rows and state files."""
    text = error if isinstance(error, str) else (str(error) or type(error).__name__)
    text = _ANSI.sub("", text)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[0] if lines else text.strip()
    if not isinstance(error, str) and type(error).__name__ not in line and not isinstance(
        error, MLAgilityError
    ):
        line = f"{type(error).__name__}: {line}"
    return line if len(line) <= limit else line[: limit - 3] + "..."
