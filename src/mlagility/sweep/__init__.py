"""Sweeps: choosing targets, attempt records for --resume, process isolation, reports."""
