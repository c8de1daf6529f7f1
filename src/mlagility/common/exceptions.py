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


class StageError(MLAgilityError):
    """A build stage failed; ``stage`` names it and ``log_path`` points to its log."""

    def __init__(self, stage: str, reason: str, log_path: str | None = None):
        super().__init__(f"{stage} failed: {reason}")
        self.stage = stage
        self.reason = reason
        self.log_path = log_path


class BenchmarkError(MLAgilityError):
    """A runtime could not load or run a built model."""

    def __init__(self, runtime: str, reason: str, log_path: str | None = None):
        super().__init__(f"benchmark on {runtime} failed: {reason}")
        self.runtime = runtime
        self.reason = reason
        self.log_path = log_path


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
