"""Turning a model and its inputs into artifacts in a cache directory: stages, state, cache."""
