"""Result analysis, beside the sweep: one row per build x runtime (``report.py``), the offline HTML
dashboard (``dashboard.py``) and the comparison of two runs (``compare.py``)."""
