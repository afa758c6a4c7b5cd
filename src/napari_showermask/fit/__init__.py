"""Ramp fitting for the rate preview, and the residual check around marked showers."""
