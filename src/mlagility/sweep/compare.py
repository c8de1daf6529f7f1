"""Compare two runs: match results by build identity, then judge each change from the raw samples.

Inputs: a cache directory or a report file (``.json``/``.csv`` written by ``benchit cache
report``; its ``samples_file`` column is the absolute path of each result's raw latencies, so the
cache those files live in must still be there, or be copied along with the report).

Matching key: ``(script, invocation_hash, device, runtime, precision, quantize)``. Only rows that
were benchmarked (a median latency) take part; everything else is "only in baseline/candidate".

Statistics, per pair (``ratio`` = candidate median / baseline median, > 1 is slower):

* a percentile **bootstrap confidence interval of the ratio of medians**, resampling each run's
  samples independently (``scipy.stats.bootstrap``, ``n_resamples=2000``, fixed seed 0). Source:
  B. Efron, R. Tibshirani, *An Introduction to the Bootstrap*, Chapman & Hall 1993, ch. 13
  (percentile interval) and the SciPy documentation of ``scipy.stats.bootstrap``.
* the two-sided **Mann-Whitney U** p-value (``scipy.stats.mannwhitneyu``; H. B. Mann, D. R.
  Whitney, *Ann. Math. Statist.* 18(1), 1947), reported as a second opinion, not used in the verdict.

Run-to-run noise: with 8 pairs or more, the 95% quantile of the pairs' absolute log-ratio
deviations from their median is added in quadrature (log scale) to each bootstrap interval; the
**overall** verdict judges the median ratio over the pairs with a bootstrap interval over pairs.

Verdict: "slower" when the interval lies entirely above 1 AND the ratio exceeds ``1 + threshold``;
"faster" when it lies entirely below 1 AND the speedup (1 / ratio) exceeds ``1 + threshold``;
otherwise "no significant change". Both conditions are needed because samples of one run are
autocorrelated and runs differ by machine drift (T. Kalibera, R. Jones, *Rigorous Benchmarking in
Reasonable Time*, ISMM 2013): the interval treats samples as independent, so it is too narrow for
run-to-run comparisons: the noise band measured across the pairs and the threshold absorb drift
(see docs/performance.md for the false-positive rate measured on this machine). Without samples on either side the verdict is
"no samples" (the ratio of medians is still shown).
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlagility.common.exceptions import UsageError

KEY_FIELDS = ("script", "invocation_hash", "device", "runtime", "precision", "quantize")
FASTER, SLOWER, SAME = "faster", "slower", "no significant change"
ONLY_BASELINE, ONLY_CANDIDATE, NO_SAMPLES = "only in baseline", "only in candidate", "no samples"
VERDICTS = (SLOWER, FASTER, SAME, NO_SAMPLES, ONLY_BASELINE, ONLY_CANDIDATE)
CONFIDENCE = 0.95
N_RESAMPLES = 2000
SEED = 0


def parse_threshold(text: str | float) -> float:
    """``"5%"`` -> 0.05, ``"0.05"`` -> 0.05, ``5`` -> 0.05 (a bare number > 1 is a percentage)."""
    try:
        if isinstance(text, str) and text.strip().endswith("%"):
            value = float(text.strip()[:-1]) / 100
        else:
            value = float(text)
            if value >= 1:
                value /= 100
    except ValueError:
        raise UsageError(f"--threshold {text!r} is not a percentage such as 5%")
    if not 0 <= value < 1 or math.isnan(value):
        raise UsageError(f"--threshold {text!r} must be between 0% and 100%")
    return value


@dataclass
class Pair:
    key: tuple
    name: str  # model name (or build name) for people
    build_name: str | None
    script: str | None
    runtime: str
    device: str
    precision: str | None
    verdict: str
    baseline_ms: float | None = None
    candidate_ms: float | None = None
    ratio: float | None = None  # candidate / baseline median latency; > 1 is slower
    ci_low: float | None = None  # the interval the verdict uses (sampling + run-to-run noise)
    ci_high: float | None = None
    bootstrap_low: float | None = None  # the bootstrap interval alone (sampling error within the runs)
    bootstrap_high: float | None = None
    p_value: float | None = None  # Mann-Whitney U, two-sided
    n_baseline: int = 0
    n_candidate: int = 0
    baseline_samples: str | None = None
    candidate_samples: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in dataclasses.asdict(self).items()}
        data["key"] = dict(zip(KEY_FIELDS, self.key))
        return data


@dataclass
class Comparison:
    baseline: str
    candidate: str
    threshold: float
    confidence: float = CONFIDENCE
    method: str = (f"percentile bootstrap CI of the ratio of medians ({N_RESAMPLES} resamples, seed {SEED}), "
                   "widened by the run-to-run noise measured across the pairs; "
                   "Mann-Whitney U p-value shown for reference")
    pairs: list[Pair] = field(default_factory=list)
    noise_sigma: float | None = None  # run-to-run noise: robust sd of log ratios across pairs
    noise_band: float | None = None  # its half-width added to each interval (log scale)
    overall: dict[str, Any] = field(default_factory=dict)  # median ratio over all pairs, its CI, verdict

    def counts(self) -> dict[str, int]:
        counts = {verdict: 0 for verdict in VERDICTS}
        for pair in self.pairs:
            counts[pair.verdict] += 1
        return counts

    @property
    def regressions(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.verdict == SLOWER]

    @property
    def failed(self) -> bool:
        """A significant slowdown beyond the threshold: in one pair, or over the whole sweep."""
        return bool(self.regressions) or self.overall.get("verdict") == SLOWER

    def to_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "candidate": self.candidate, "threshold": self.threshold,
                "confidence": self.confidence, "method": self.method, "counts": self.counts(),
                "noise_sigma": self.noise_sigma, "noise_band": self.noise_band, "overall": self.overall,
                "pairs": [pair.to_dict() for pair in self.pairs]}

    def to_frame(self) -> "pandas.DataFrame":  # noqa: F821
        import pandas as pd

        return pd.DataFrame([{k: v for k, v in p.to_dict().items() if k != "key"} for p in self.pairs])


def load_results(source) -> "pandas.DataFrame":  # noqa: F821
    """The report rows of a cache directory or of a report file (``.json`` / ``.csv``)."""
    from mlagility.common.filesystem import check_path, read_regular

    path = Path(source).expanduser()
    check_path(path, "cannot read")  # a name too long, permission denied: one line
    if path.is_dir():
        from mlagility.sweep.report import report_frame

        return report_frame([path])
    if path.is_file() and path.suffix in (".json", ".csv"):
        import pandas as pd

        text = ("build_name", "cache", "samples_file", "model_name", *KEY_FIELDS)
        import io

        content = io.StringIO(read_regular(path, "report").decode("utf-8", "replace"))  # never a FIFO, bounded
        if path.suffix == ".json":  # keep the JSON types: an all-digit hash stays a string
            frame = pd.read_json(content, orient="records", dtype=False)
        else:
            frame = pd.read_csv(content, dtype={name: str for name in text})
        if "samples_file" in frame.columns and "cache" in frame.columns:
            # a relative samples path is relative to its build directory
            def absolute(row):
                value = row.get("samples_file")
                if not isinstance(value, str) or not value or Path(value).is_absolute():
                    return value
                return str(Path(str(row.get("cache"))) / str(row.get("build_name")) / value)

            frame["samples_file"] = frame.apply(absolute, axis=1) if len(frame) else frame["samples_file"]
        return frame
    raise UsageError(f"{source}: not a cache directory nor a report file (.json or .csv)")


def _clean(value):
    if value is None:
        return None
    try:
        if isinstance(value, float) and math.isnan(value):
            return None
    except TypeError:
        pass
    return value


def _key(row: dict) -> tuple:
    key = []
    for name in KEY_FIELDS:
        value = _clean(row.get(name))
        if name == "precision" and value is None:
            value = "fp32"
        key.append(None if value is None else str(value))
    return tuple(key)


def _benchmarked(frame) -> dict[tuple, dict]:
    """Key -> row, for the rows with a median latency (the latest when a key repeats)."""
    rows: dict[tuple, dict] = {}
    if frame is None or not len(frame):
        return rows
    for row in frame.to_dict("records"):
        median = _clean(row.get("median_ms"))
        if median is None or _clean(row.get("runtime")) is None or str(row.get("status")) == "failed":
            continue
        key = _key(row)
        previous = rows.get(key)
        if previous is None or str(row.get("benchmarked_at") or "") >= str(previous.get("benchmarked_at") or ""):
            rows[key] = row
    return rows


def ratio_of_medians_ci(baseline, candidate, confidence: float = CONFIDENCE,
                        n_resamples: int = N_RESAMPLES, seed: int = SEED) -> tuple[float, float]:
    """Percentile bootstrap CI of median(candidate) / median(baseline) (independent resampling)."""
    import numpy as np
    from scipy import stats

    baseline, candidate = np.asarray(baseline, float), np.asarray(candidate, float)

    def statistic(b, c, axis=-1):
        return np.median(c, axis=axis) / np.median(b, axis=axis)

    batch = max(1, int(4_000_000 // max(baseline.size, candidate.size, 1)))
    result = stats.bootstrap((baseline, candidate), statistic, vectorized=True, paired=False,
                             confidence_level=confidence, n_resamples=n_resamples, batch=batch,
                             method="percentile", rng=np.random.default_rng(seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def verdict_for(ratio: float, low: float, high: float, threshold: float) -> str:
    if low > 1 and ratio > 1 + threshold:
        return SLOWER
    if high < 1 and 1 / ratio > 1 + threshold:
        return FASTER
    return SAME


def widen(ratio: float, low: float, high: float, band: float) -> tuple[float, float]:
    """Combine a sampling interval with a run-to-run noise half-width ``band`` (in quadrature, log space)."""
    if not band:
        return low, high
    centre = math.log(ratio)
    below = math.hypot(centre - math.log(low), band)
    above = math.hypot(math.log(high) - centre, band)
    return math.exp(centre - below), math.exp(centre + above)


def judge(baseline, candidate, threshold: float, confidence: float = CONFIDENCE, band: float = 0.0) -> dict[str, Any]:
    """Ratio, intervals, p-value and verdict for two arrays of latencies (ms).

    ``band``: the run-to-run noise half-width (log scale) to add to the bootstrap interval.
    """
    import numpy as np
    from scipy import stats

    ratio = float(np.median(candidate) / np.median(baseline))
    if len(baseline) < 2 or len(candidate) < 2:
        boot_low = boot_high = ratio
    else:
        boot_low, boot_high = ratio_of_medians_ci(baseline, candidate, confidence)
    try:
        p_value = float(stats.mannwhitneyu(baseline, candidate, alternative="two-sided").pvalue)
    except ValueError:
        p_value = None
    low, high = widen(ratio, boot_low, boot_high, band)
    return {"ratio": ratio, "ci_low": low, "ci_high": high, "bootstrap_low": boot_low, "bootstrap_high": boot_high,
            "p_value": p_value, "verdict": verdict_for(ratio, low, high, threshold),
            "n_baseline": int(len(baseline)), "n_candidate": int(len(candidate))}


MIN_PAIRS_FOR_NOISE = 8


def run_to_run_noise(ratios: list[float]) -> float | None:
    """Robust sd of the log ratios across pairs (1.4826 x MAD around their median); None below 8 pairs.

    Two runs differ by more than their samples say (machine load, frequency, cache neighbours):
    the spread of the ratios across the many builds of a sweep measures it, while a shift shared
    by all builds (a real regression everywhere) moves their median, not their spread.
    """
    import numpy as np

    if len(ratios) < MIN_PAIRS_FOR_NOISE:
        return None
    logs = np.log(np.asarray(ratios, float))
    return float(1.4826 * np.median(np.abs(logs - np.median(logs))))


def run_to_run_band(ratios: list[float], confidence: float = CONFIDENCE) -> float | None:
    """Half-width (log scale) of the run-to-run noise: the ``confidence`` quantile of the pairs'
    absolute log-ratio deviations from their median (empirical, so heavy tails count); None below 8 pairs."""
    import numpy as np

    if len(ratios) < MIN_PAIRS_FOR_NOISE:
        return None
    logs = np.log(np.asarray(ratios, float))
    return float(np.quantile(np.abs(logs - np.median(logs)), confidence))


def overall_change(ratios: list[float], threshold: float, confidence: float = CONFIDENCE) -> dict[str, Any]:
    """The median of the ratios with a bootstrap CI over pairs (each pair one observation).

    Robust to a few wild pairs; a change shared by the builds of the sweep moves it.
    """
    import numpy as np
    from scipy import stats

    if len(ratios) < 2:
        return {}
    logs = np.log(np.asarray(ratios, float))
    result = stats.bootstrap((logs,), np.median, confidence_level=confidence, n_resamples=N_RESAMPLES,
                             method="percentile", rng=np.random.default_rng(SEED))
    ratio = float(np.exp(np.median(logs)))
    low, high = float(np.exp(result.confidence_interval.low)), float(np.exp(result.confidence_interval.high))
    return {"pairs": len(ratios), "median_ratio": ratio, "ci_low": low, "ci_high": high,
            "verdict": verdict_for(ratio, low, high, threshold)}


def _name(row: dict) -> str:
    return str(_clean(row.get("model_name")) or _clean(row.get("build_name")) or "?")


def compare(baseline, candidate, threshold: float | str = 0.05, confidence: float = CONFIDENCE) -> Comparison:
    """Compare two caches or report files; see the module docstring for the method."""
    from mlagility.runtimes.samples import load_samples

    threshold = parse_threshold(threshold) if isinstance(threshold, str) else float(threshold)
    if not 0 <= threshold < 1:
        raise UsageError(f"threshold {threshold} must be in [0, 1)")
    base_rows, cand_rows = _benchmarked(load_results(baseline)), _benchmarked(load_results(candidate))
    result = Comparison(str(baseline), str(candidate), threshold, confidence)
    for key in sorted(set(base_rows) | set(cand_rows), key=lambda k: tuple(str(v) for v in k)):
        base, cand = base_rows.get(key), cand_rows.get(key)
        row = base or cand
        pair = Pair(key=key, name=_name(row), build_name=_clean(row.get("build_name")),
                    script=_clean(row.get("script")), runtime=str(row.get("runtime")),
                    device=str(row.get("device")), precision=key[4], verdict=SAME)
        if base is None or cand is None:
            pair.verdict = ONLY_CANDIDATE if base is None else ONLY_BASELINE
            pair.baseline_ms = _clean(base.get("median_ms")) if base else None
            pair.candidate_ms = _clean(cand.get("median_ms")) if cand else None
            result.pairs.append(pair)
            continue
        pair.baseline_ms, pair.candidate_ms = float(base["median_ms"]), float(cand["median_ms"])
        pair.baseline_samples = _clean(base.get("samples_file"))
        pair.candidate_samples = _clean(cand.get("samples_file"))
        base_samples, cand_samples = load_samples(pair.baseline_samples), load_samples(pair.candidate_samples)
        if base_samples is None or cand_samples is None:
            pair.verdict = NO_SAMPLES
            pair.ratio = pair.candidate_ms / pair.baseline_ms if pair.baseline_ms else None
        else:
            for name, value in judge(base_samples, cand_samples, threshold, confidence).items():
                setattr(pair, name, value)
        result.pairs.append(pair)
    # second pass: add the run-to-run noise measured across the pairs, then judge again
    judged = [pair for pair in result.pairs if pair.bootstrap_low is not None]
    result.noise_sigma = run_to_run_noise([pair.ratio for pair in judged])
    result.noise_band = run_to_run_band([pair.ratio for pair in judged], confidence)
    for pair in judged:
        pair.ci_low, pair.ci_high = widen(pair.ratio, pair.bootstrap_low, pair.bootstrap_high, result.noise_band or 0.0)
        pair.verdict = verdict_for(pair.ratio, pair.ci_low, pair.ci_high, threshold)
    result.overall = overall_change([pair.ratio for pair in judged], threshold, confidence)
    order = {verdict: i for i, verdict in enumerate(VERDICTS)}
    result.pairs.sort(key=lambda p: (order[p.verdict], -(p.ratio or 0) if p.verdict != FASTER else (p.ratio or 0)))
    return result


def format_ratio(pair: Pair) -> str:
    if pair.ratio is None:
        return ""
    return f"{pair.ratio:.3f}x"


def format_ci(pair: Pair) -> str:
    if pair.ci_low is None or pair.ci_high is None:
        return ""
    return f"[{pair.ci_low:.3f}, {pair.ci_high:.3f}]"


def safe_filename(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", text)
