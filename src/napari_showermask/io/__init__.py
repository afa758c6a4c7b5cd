"""Files: output paths, atomic publishing, catalogs (ECSV, CSV, DS9), the masked-file writer."""
