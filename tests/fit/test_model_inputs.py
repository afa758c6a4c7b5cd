"""The rate preview and the residual check on a data model in memory, and on a table."""

import numpy as np
from stdatamodels.jwst import datamodels

import napari_showermask as sm
from napari_showermask.synthetic.demo import write_ramp


def test_a_model_previews_like_its_file_and_a_table_checks_like_its_showers(tmp_path):
    path, truth = write_ramp(tmp_path / "m_jump.fits", (1, 10, 40, 24), seed=4)
    with sm.RatePreview(path, rows_per_block=8) as on_disk:
        expected = on_disk.before(0)
        residuals = [r.text() for r in sm.shower_residuals(on_disk, truth.showers)]
    (tmp_path / "elsewhere").mkdir()
    with datamodels.open(path) as model:
        model.meta.filename = "elsewhere/m_jump.fits"  # never reopened by name
        # more than one worker fits a file's blocks in processes; a model's stay here
        with sm.RatePreview(model, rows_per_block=8, workers=2) as in_memory:
            assert in_memory.product.in_memory
            np.testing.assert_array_equal(in_memory.before(0), expected)
            table = sm.showers_to_table(truth.showers)
            assert [r.text() for r in sm.shower_residuals(in_memory, table)] == residuals
