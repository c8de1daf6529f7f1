"""Compare two runs: match results by build identity, then judge each change from the raw samples.

Inputs: a cache directory or a report file (``.json``/``.csv`` written by ``benchit cache
report``; its ``samples_file`` column is the absolute path of each result's raw latencies, so the
cache those files live in must still be there, or be copied along with the report).

Matching key: ``(script, invocation_hash, device, runtime, precision, quantize)``. Only rows that
were benchmarked (a value of their scenario's primary metric) take part; everything else is "only
in baseline/candidate". The metric compared is the scenario's primary one (``scenarios/``:
``median_ms`` for inference, ``tpot_ms`` for a generation), whose raw samples each benchmark keeps.

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

Cost and degenerate data: each side is subsampled at random (fixed seed, without replacement) to at
most ``MAX_SAMPLES`` samples for the interval and the p-value (the ratio is of the medians of all
samples). Fewer than ``MIN_SAMPLES`` samples on a side, a non-finite or negative sample, a median
(recorded or of the samples) that is not a positive duration, or an interval that is not finite
gives "insufficient data" with a ``note`` saying why: never faster/slower. JSON output holds
``null`` where a number is not finite.

Inputs that are not a cache or a valid report raise ``UsageError`` (one line, exit 2). A baseline
result that the candidate did not benchmark is "failed in candidate" (the candidate's failure row,
matched by script and whatever identity it names, is its ``note``) or "only in baseline";
``Comparison.gate_failures`` lists why ``--fail-on-regression`` fails: a slower pair or overall, a
baseline result failed/missing in the candidate, or no pair judged at all.

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

from mlagility.common.exceptions import MLAgilityError, UsageError
from mlagility.common.filesystem import check_path
from mlagility.results.report import read_report, report_frame
from mlagility.runtimes.samples import load_samples
from mlagility.scenarios.base import primary_value, scenario_of

KEY_FIELDS = ("script", "invocation_hash", "device", "runtime", "precision", "quantize")
FASTER, SLOWER, SAME = "faster", "slower", "no significant change"
ONLY_BASELINE, ONLY_CANDIDATE, NO_SAMPLES = "only in baseline", "only in candidate", "no samples"
FAILED_CANDIDATE, INSUFFICIENT = "failed in candidate", "insufficient data"
VERDICTS = (SLOWER, FAILED_CANDIDATE, ONLY_BASELINE, FASTER, SAME, INSUFFICIENT, NO_SAMPLES, ONLY_CANDIDATE)
JUDGED = (SLOWER, FASTER, SAME)  # verdicts the statistics gave
CONFIDENCE = 0.95
N_RESAMPLES = 2000
SEED = 0
MIN_SAMPLES = 5  # per side: fewer (or non-positive / non-finite latencies) is "insufficient data"
MAX_SAMPLES = 5_000  # per side: more are subsampled (fixed seed, without replacement) for the statistics:
# ~1 s per pair on a busy 2-core machine, and the interval of a median from 5,000 samples is far
# narrower than the run-to-run noise


def describe_method() -> str:
    """The method, stated once for the terminal, the JSON and the page."""
    return (f"percentile bootstrap CI of the ratio of medians ({N_RESAMPLES} resamples, seed {SEED}; "
            f"each side subsampled at random to at most {MAX_SAMPLES:,} samples, fixed seed; "
            f"at least {MIN_SAMPLES} positive finite samples per side, else '{INSUFFICIENT}'), "
            "widened by the run-to-run noise measured across the pairs; "
            "Mann-Whitney U p-value shown for reference")


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
    baseline_ms: float | None = None  # the compared metric (the scenario's primary: median_ms, tpot_ms...)
    candidate_ms: float | None = None
    ratio: float | None = None  # candidate / baseline median latency; > 1 is slower
    metric: str = "median_ms"  # which metric baseline_ms / candidate_ms are
    ci_low: float | None = None  # the interval the verdict uses (sampling + run-to-run noise)
    ci_high: float | None = None
    bootstrap_low: float | None = None  # the bootstrap interval alone (sampling error within the runs)
    bootstrap_high: float | None = None
    p_value: float | None = None  # Mann-Whitney U, two-sided
    n_baseline: int = 0
    n_candidate: int = 0
    baseline_samples: str | None = None
    candidate_samples: str | None = None
    note: str | None = None  # why there is no statistical verdict (insufficient data, the candidate's failure)

    def to_dict(self) -> dict[str, Any]:
        data = _json_safe(dataclasses.asdict(self))
        data["key"] = dict(zip(KEY_FIELDS, self.key))
        return data


def _json_safe(value):
    """Non-finite floats -> None (JSON has no NaN/Infinity), numpy scalars -> Python, recursively."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class Comparison:
    baseline: str
    candidate: str
    threshold: float
    confidence: float = CONFIDENCE
    method: str = field(default_factory=describe_method)
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

    def gate_failures(self) -> list[str]:
        """Why ``--fail-on-regression`` fails (empty: it passes), one line each.

        A significant slowdown beyond the threshold (in one pair, or over the whole sweep), a
        baseline result the candidate did not benchmark (it failed there, or is missing), or no pair
        at all that the statistics could judge: a broken or empty candidate is not "no regression".
        """
        reasons = []
        if self.regressions:
            reasons.append(f"significant slowdown beyond {self.threshold:.1%} in {len(self.regressions)} pair(s)")
        if self.overall.get("verdict") == SLOWER:
            reasons.append(f"significant slowdown beyond {self.threshold:.1%} overall "
                           f"(median ratio {self.overall['median_ratio']:.3f}x over {self.overall['pairs']} pairs)")
        counts = self.counts()
        lost = counts[FAILED_CANDIDATE] + counts[ONLY_BASELINE]
        if lost:
            reasons.append(f"{lost} baseline result(s) have no benchmarked result in the candidate "
                           f"({counts[FAILED_CANDIDATE]} failed there, {counts[ONLY_BASELINE]} missing)")
        if not any(counts[verdict] for verdict in JUDGED) and not (self.regressions or self.overall):
            left = {v: n for v, n in counts.items() if n and v not in JUDGED}
            reasons.append("nothing compared: no pair had enough samples on both sides to judge"
                           + (f" ({', '.join(f'{n} {v}' for v, n in left.items())})" if left else
                              " (neither side has a benchmarked result)"))
        return reasons

    @property
    def failed(self) -> bool:
        """``--fail-on-regression`` fails: see ``gate_failures``."""
        return bool(self.gate_failures())

    def to_dict(self) -> dict[str, Any]:
        return _json_safe({
            "baseline": self.baseline, "candidate": self.candidate, "threshold": self.threshold,
            "confidence": self.confidence, "method": self.method, "n_resamples": N_RESAMPLES,
            "min_samples": MIN_SAMPLES, "max_samples": MAX_SAMPLES, "counts": self.counts(),
            "noise_sigma": self.noise_sigma, "noise_band": self.noise_band, "overall": self.overall,
            "gate_failures": self.gate_failures(), "pairs": [pair.to_dict() for pair in self.pairs]})

    def to_frame(self) -> "pandas.DataFrame":  # noqa: F821
        import pandas as pd

        return pd.DataFrame([{k: v for k, v in p.to_dict().items() if k != "key"} for p in self.pairs])


def load_results(source) -> "pandas.DataFrame":  # noqa: F821
    """The report rows of a cache directory or of a report file (``.json`` / ``.csv``).

    Anything else (no such path, not a cache, a file that is not a valid report) raises
    ``UsageError``/``CacheError``: one line, exit 2 from the CLI.
    """
    path = Path(source).expanduser()
    check_path(path, "cannot read")  # a name too long, permission denied: one line
    try:
        if path.is_dir():
            return report_frame([path])
        if path.suffix in (".json", ".csv") and (path.exists() or path.is_symlink()):
            frame = read_report(path)
        else:
            raise UsageError(f"{source}: not a cache directory nor a report file (.json or .csv)")
    except OSError as error:  # permission, name too long, I/O error on the cache or the file
        raise UsageError(f"{source}: cannot be read ({error.strerror or error})")
    if len(frame):  # a relative samples path is relative to its build directory
        def absolute(row):
            value = row.get("samples_file")
            if not isinstance(value, str) or not value or Path(value).is_absolute():
                return value
            if row.get("cache") is None or row.get("build_name") is None:
                return None
            return str(Path(str(row.get("cache"))) / str(row.get("build_name")) / value)

        frame["samples_file"] = frame.apply(absolute, axis=1)
    return frame


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


def _number(value) -> float | None:
    """A cell as a float (``inf`` kept), or None when empty/NaN/not a number."""
    value = _clean(value)
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _positive(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value > 0


def _benchmarked(frame) -> dict[tuple, dict]:
    """Key -> row, for the rows with a median latency (the latest when a key repeats)."""
    rows: dict[tuple, dict] = {}
    if frame is None or not len(frame):
        return rows
    for row in frame.to_dict("records"):
        median = _number(primary_value(row))
        if median is None or _clean(row.get("runtime")) is None or str(row.get("status")) in ("failed", "incomplete", "unreadable"):
            continue
        key = _key(row)
        previous = rows.get(key)
        if previous is None or str(row.get("benchmarked_at") or "") >= str(previous.get("benchmarked_at") or ""):
            rows[key] = row
    return rows


def _failures(frame) -> list[dict]:
    """The rows saying something failed (a build, a benchmark, a whole script) or was left unfinished."""
    if frame is None or not len(frame) or "status" not in frame.columns:
        return []
    return [row for row in frame.to_dict("records")
            if str(row.get("status")) in ("failed", "incomplete", "unreadable") and _number(primary_value(row)) is None]


def _failure_for(key: tuple, build_name, failures: list[dict]) -> dict | None:
    """The candidate's failure row that explains why ``key`` has no result there (None: it is just missing).

    A row matches when its script is the key's and each other identity field it names is the key's
    (a script that failed as a whole names no invocation; a failed build names no runtime), or,
    for a build whose state is unreadable, by build name.
    """
    fields = dict(zip(KEY_FIELDS, key))
    for row in failures:
        row_key = dict(zip(KEY_FIELDS, _key(row)))
        if row_key["script"] is None:
            if build_name and _clean(row.get("build_name")) == build_name:
                return row
            continue
        if row_key["script"] != fields["script"]:
            continue
        if all(row_key[name] is None or row_key[name] == fields[name]
               for name in ("invocation_hash", "device", "runtime", "quantize")) and \
                (row_key["precision"] == fields["precision"] or _clean(row.get("precision")) is None):
            return row
    return None


def _failure_note(row: dict) -> str:
    status = str(row.get("status"))
    stage = _clean(row.get("failed_stage"))
    error = str(_clean(row.get("error")) or "").strip().splitlines()
    text = f"{status} in the candidate" + (f" at {stage}" if stage else "")
    if error:
        text += f": {error[0][:200]}"
    return text


def ratio_of_medians_ci(baseline, candidate, confidence: float = CONFIDENCE,
                        n_resamples: int = N_RESAMPLES, seed: int = SEED) -> tuple[float, float]:
    """Percentile bootstrap CI of median(candidate) / median(baseline) (independent resampling).

    The caller bounds the cost (``subsample``); a resample whose baseline median is 0 gives an
    infinite ratio, which the caller treats as "insufficient data".
    """
    import numpy as np
    from scipy import stats

    baseline, candidate = np.asarray(baseline, float), np.asarray(candidate, float)

    def statistic(b, c, axis=-1):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.median(c, axis=axis) / np.median(b, axis=axis)

    batch = max(1, int(4_000_000 // max(baseline.size, candidate.size, 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        result = stats.bootstrap((baseline, candidate), statistic, vectorized=True, paired=False,
                                 confidence_level=confidence, n_resamples=n_resamples, batch=batch,
                                 method="percentile", rng=np.random.default_rng(seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _floats(samples):
    import numpy as np

    samples = np.asarray(samples).reshape(-1)
    return samples if samples.dtype.kind == "f" else samples.astype(float)


def subsample(samples, limit: int | None = None, seed: int = SEED):
    """At most ``limit`` of the samples, drawn at random without replacement (fixed seed), in timing order."""
    import numpy as np

    samples = np.asarray(samples).reshape(-1)
    limit = MAX_SAMPLES if limit is None else limit
    if samples.size > limit:
        samples = samples[np.sort(np.random.default_rng(seed).choice(samples.size, size=limit, replace=False))]
    return samples.astype(float)


def insufficient(samples, side: str) -> str | None:
    """Why one side's samples cannot be judged (None: they can)."""
    import numpy as np

    if samples.size < MIN_SAMPLES:
        return f"{samples.size} sample(s) in the {side}, at least {MIN_SAMPLES} needed"
    bad = int(np.count_nonzero(~np.isfinite(samples)))
    if bad:
        return f"{bad} non-finite latency sample(s) in the {side}"
    negative = int(np.count_nonzero(samples < 0))
    if negative:
        return f"{negative} negative latency sample(s) in the {side}"
    median = float(np.median(samples))
    if not median > 0:
        return f"the {side}'s median latency is {median:g} ms, not a positive duration"
    return None


def verdict_for(ratio: float | None, low: float | None, high: float | None, threshold: float) -> str:
    if not (_positive(ratio) and _positive(low) and _positive(high)):
        return INSUFFICIENT
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

    ``band``: the run-to-run noise half-width (log scale) to add to the bootstrap interval. Fewer
    than ``MIN_SAMPLES`` per side, a non-finite or negative sample, a median that is not positive,
    or an interval that is not finite (e.g. mostly zero samples) gives "insufficient data" with a
    ``note`` saying why, never faster/slower; more than ``MAX_SAMPLES`` per side are subsampled for
    the interval and the p-value (the ratio is of the medians of all samples).
    """
    import numpy as np
    from scipy import stats

    baseline, candidate = _floats(baseline), _floats(candidate)  # float32 samples stay float32 (memory)
    result: dict[str, Any] = {"ratio": None, "ci_low": None, "ci_high": None, "bootstrap_low": None,
                              "bootstrap_high": None, "p_value": None, "verdict": INSUFFICIENT, "note": None,
                              "n_baseline": int(baseline.size), "n_candidate": int(candidate.size)}
    finite_b = baseline if np.isfinite(baseline).all() else baseline[np.isfinite(baseline)]
    finite_c = candidate if np.isfinite(candidate).all() else candidate[np.isfinite(candidate)]
    if finite_b.size and finite_c.size:
        median_b, median_c = float(np.median(finite_b)), float(np.median(finite_c))
        if _positive(median_b) and _positive(median_c):
            result["ratio"] = median_c / median_b  # shown even where no verdict can be given
    note = insufficient(baseline, "baseline") or insufficient(candidate, "candidate")
    if note:
        result["note"] = note
        return result
    base, cand = subsample(baseline, seed=SEED), subsample(candidate, seed=SEED + 1)
    boot_low, boot_high = ratio_of_medians_ci(base, cand, confidence)
    if not (_positive(boot_low) and _positive(boot_high)):
        result["note"] = "the bootstrap interval is not finite (too many zero latencies)"
        return result
    try:
        p_value = float(stats.mannwhitneyu(base, cand, alternative="two-sided").pvalue)
    except ValueError:
        p_value = None
    low, high = widen(result["ratio"], boot_low, boot_high, band)
    result.update(ci_low=low, ci_high=high, bootstrap_low=boot_low, bootstrap_high=boot_high,
                  p_value=p_value if p_value is not None and math.isfinite(p_value) else None,
                  verdict=verdict_for(result["ratio"], low, high, threshold))
    return result


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
    threshold = parse_threshold(threshold) if isinstance(threshold, str) else float(threshold)
    if not 0 <= threshold < 1:
        raise UsageError(f"threshold {threshold} must be in [0, 1)")
    base_frame, cand_frame = load_results(baseline), load_results(candidate)
    base_rows, cand_rows = _benchmarked(base_frame), _benchmarked(cand_frame)
    cand_failures = _failures(cand_frame)
    result = Comparison(str(baseline), str(candidate), threshold, confidence)
    for key in sorted(set(base_rows) | set(cand_rows), key=lambda k: tuple(str(v) for v in k)):
        base, cand = base_rows.get(key), cand_rows.get(key)
        row = base or cand
        pair = Pair(key=key, name=_name(row), build_name=_clean(row.get("build_name")),
                    script=_clean(row.get("script")), runtime=str(row.get("runtime")),
                    device=str(row.get("device")), precision=key[4], verdict=SAME)
        pair.metric = scenario_of(row).primary
        pair.baseline_ms = _number(primary_value(base)) if base else None
        pair.candidate_ms = _number(primary_value(cand)) if cand else None
        if base is None or cand is None:
            pair.verdict = ONLY_CANDIDATE if base is None else ONLY_BASELINE
            failure = _failure_for(key, pair.build_name, cand_failures) if cand is None else None
            if failure is not None:
                pair.verdict, pair.note = FAILED_CANDIDATE, _failure_note(failure)
            result.pairs.append(pair)
            continue
        pair.baseline_samples = _clean(base.get("samples_file"))
        pair.candidate_samples = _clean(cand.get("samples_file"))
        wrong = [f"the {side}'s median latency is {value:g} ms, not a positive duration"
                 for side, value in (("baseline", pair.baseline_ms), ("candidate", pair.candidate_ms))
                 if not _positive(value)]
        if wrong:  # a zero, negative or infinite median recorded: no statistics from that result
            pair.verdict, pair.note = INSUFFICIENT, "; ".join(wrong)
            result.pairs.append(pair)
            continue
        base_samples, cand_samples = _load_samples(pair.baseline_samples), _load_samples(pair.candidate_samples)
        if base_samples is None or cand_samples is None:
            pair.verdict = NO_SAMPLES
            pair.note = "no readable raw samples in the " + (
                "baseline and the candidate" if base_samples is None and cand_samples is None
                else "baseline" if base_samples is None else "candidate")
            if _positive(pair.baseline_ms) and _positive(pair.candidate_ms):
                pair.ratio = pair.candidate_ms / pair.baseline_ms
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


def _load_samples(path):
    """A result's raw samples, or None where they cannot be read (that pair is "no samples")."""
    try:
        return load_samples(path)
    except (OSError, ValueError, MLAgilityError):
        return None


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
