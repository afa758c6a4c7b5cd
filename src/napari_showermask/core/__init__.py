"""The core: showers, geometry, DQ vocabulary, masking, lazy JWST products (no napari, Qt)."""
