"""Synthetic MIRI ramps with showers: the demo ramp and realistic scenes with per-pixel truth."""
