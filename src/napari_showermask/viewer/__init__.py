"""The napari side: the review session, layers, DQ display and the Qt dock (in `_qt`)."""
