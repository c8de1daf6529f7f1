"""Pieces shared by every layer: errors, filesystem helpers, printing, system information."""
