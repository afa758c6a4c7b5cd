"""Mask JWST MIRI cosmic-ray showers in ramp, rate and rateints products."""

__version__ = "0.1.0"

__all__ = ["__version__"]
