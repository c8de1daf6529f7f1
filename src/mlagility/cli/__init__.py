"""The ``benchit`` command line: argument parsing and commands only (no torch at import)."""
