"""Automatic detection of candidate showers in ramp products."""
