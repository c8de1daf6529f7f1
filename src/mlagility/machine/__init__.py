"""The machine every benchmark shares: the readers-writer lock across processes (``locks.py``:
builds and script runs shared, each timed benchmark exclusive). Reached by the pipeline of every
single benchmark and by the sweep, without importing sweep orchestration."""
