"""What a benchmark shows while it runs: the live status tree and the sweep summary
(``status_tree.py``) and the markup-free console that prints them (``printing.py``). The API's
default reporter lives here, below the CLI, so that ``benchmark_script`` never imports ``cli/``."""
