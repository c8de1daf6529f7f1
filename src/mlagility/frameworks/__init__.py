"""Frameworks: one package per framework (``pytorch/``, ``keras/``, ``sklearn/``), each declaring
once how its models are discovered, described, exported, referenced and compared (``base.py``),
registered through the ``mlagility.frameworks`` entry-point group (``registry.py``)."""
