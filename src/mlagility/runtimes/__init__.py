"""Runtimes: how a built model is loaded and timed on a device, behind one small interface."""
