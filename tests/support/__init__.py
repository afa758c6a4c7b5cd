"""Helpers shared by the tests: products, the command line, napari viewers, reference masks."""
