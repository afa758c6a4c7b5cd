"""Glows already there at group 0, found by their decay from one integration to the next."""

import numpy as np

from napari_showermask.core.geometry import ellipse_mask
from napari_showermask.core.products import open_product
from napari_showermask.detect.decay import noise_model
from napari_showermask.detect.detector import detect_showers
from napari_showermask.synthetic.demo import make_ramp
from napari_showermask.synthetic.models import GROUP_TIME
from napari_showermask.synthetic.truth import ols_bias

SHAPE = (2, 40, 128, 128)


def _profile() -> np.ndarray:
    """A lobe with soft power-law wings at (70, 58), ``(y, x)`` scaled to 1 at its peak."""
    ny, nx = SHAPE[2:]
    yy, xx = np.mgrid[:ny, :nx]
    t = np.radians(25.0)
    along = ((xx - 70) * np.cos(t) + (yy - 58) * np.sin(t)) / 9.0
    across = (-(xx - 70) * np.sin(t) + (yy - 58) * np.cos(t)) / 5.0
    return (1 + (along**2 + across**2) / 5) ** -2.5


def _idle_glow(peak: float, tau: float) -> np.ndarray:
    """Charge (DN) at each read of a glow begun before the exposure, ``(nints, ngroups, y, x)``.

    Its rate at the brightest pixel is ``peak`` DN/s at the first reset and fades as
    ``exp(-t / tau)``; every reset empties the pixels, the glow goes on.
    """
    nints, ngroups = SHAPE[:2]
    cube = np.zeros(SHAPE)
    for i in range(nints):
        reset = i * (ngroups + 1) * GROUP_TIME
        reads = reset + (np.arange(ngroups) + 1) * GROUP_TIME
        charge = peak * tau * (np.exp(-reset / tau) - np.exp(-reads / tau))
        cube[i] = charge[:, None, None] * _profile()
    return cube


def _masked_from_the_start(found, glow, model, i):
    """Assert that integration ``i``'s candidates mask >= 80% of the pixels the glow biases
    by > 0.1 DN/s, from group <= 1; return those pixels and the masked ones."""
    affected = np.abs(ols_bias(glow[i], model.groupdq[i], GROUP_TIME)) > 0.1
    assert affected.sum() > 150
    mine = [s for s in found if s.integration == i]
    assert mine and all(s.group <= 1 for s in mine), found
    masked = np.any([ellipse_mask(s, SHAPE[2:]) for s in mine], axis=0)
    assert (masked & affected).sum() >= 0.8 * affected.sum(), (i, found)
    return affected, masked


def test_a_glow_fading_from_before_the_exposure_is_masked_in_both_integrations(tmp_path):
    # no jump anywhere: within an integration the glow looks like a faint source; its
    # rate drops by about a half from one integration to the next
    model, _ = make_ramp(SHAPE, [], 3, n_stars=2, n_cosmic_rays=20)
    glow = _idle_glow(0.8, 150.0)
    model.data += glow.astype(np.float32)
    path = tmp_path / "idle_jump.fits"
    model.save(path)
    with open_product(path) as product:
        found = detect_showers(product)
    for i in range(2):
        affected, masked = _masked_from_the_start(found, glow, model, i)
        assert masked.sum() <= 6 * affected.sum(), (i, found)


def test_a_glow_begun_at_the_last_reset_is_found_by_its_fading_within_it(tmp_path):
    # a hit during the reset before the last integration: no jump, no later integration
    # to compare with; only the glow's fading between the integration's halves shows it
    model, _ = make_ramp(SHAPE, [], 5, n_stars=2, n_cosmic_rays=20)
    reads = (np.arange(SHAPE[1]) + 1) * GROUP_TIME
    glow = np.zeros(SHAPE)
    glow[1] = (1.0 * 60.0 * (1 - np.exp(-reads / 60.0)))[:, None, None] * _profile()
    model.data += glow.astype(np.float32)
    path = tmp_path / "reset_jump.fits"
    model.save(path)
    with open_product(path) as product:
        found = detect_showers(product)
    affected = np.abs(ols_bias(glow[1], model.groupdq[1], GROUP_TIME)) > 0.1
    assert affected.sum() > 150
    mine = [s for s in found if s.integration == 1]
    assert mine and all(s.group <= 1 for s in mine), found
    masked = np.any([ellipse_mask(s, SHAPE[2:]) for s in mine], axis=0)
    assert (masked & affected).sum() >= 0.8 * affected.sum(), found
    assert not [s for s in found if s.integration == 0 and ellipse_mask(s, SHAPE[2:])[58, 70]]


def test_a_glow_as_bright_in_both_integrations_is_a_source(tmp_path):
    # a glow that does not fade is, for any method, a faint extended source
    model, _ = make_ramp(SHAPE, [], 4, n_stars=2, n_cosmic_rays=20)
    model.data += _idle_glow(0.8, 1e9).astype(np.float32)
    path = tmp_path / "still_jump.fits"
    model.save(path)
    with open_product(path) as product:
        assert detect_showers(product) == []


def test_the_noise_model_recovers_read_noise_and_gain():
    rng = np.random.default_rng(5)
    mean = rng.uniform(5, 500, 20000)
    variance = 72.0 + mean / 4.0 + rng.normal(0, 5, mean.size)
    variance[:300] += 5000.0  # a few pixels with hits or showers do not move the fit
    a, b = noise_model(mean, variance, np.ones(mean.size, bool))
    assert abs(a - 72.0) < 3.0
    assert abs(b - 0.25) < 0.01


def test_a_shower_whose_glow_outlives_the_reset_is_followed_into_the_next_integration(tmp_path):
    # a 2.5 DN/s shower from group 20 of integration 0, fading over 400 s: it still
    # glows at group 0 of integration 1, with no jump there
    model, _ = make_ramp(SHAPE, [], 6, n_stars=2, n_cosmic_rays=20)
    nints, ngroups, ny, nx = SHAPE
    yy, xx = np.mgrid[:ny, :nx]
    profile = (1 + (((xx - 60) / 7.0) ** 2 + ((yy - 70) / 5.0) ** 2) / 5) ** -2.5
    onset = 20 * GROUP_TIME
    glow = np.zeros(SHAPE)
    for i in range(nints):
        reset = i * (ngroups + 1) * GROUP_TIME
        reads = reset + (np.arange(ngroups) + 1) * GROUP_TIME
        start = np.maximum(reset, onset)
        fade = np.exp(-(start - onset) / 400.0) - np.exp(-(reads - onset) / 400.0)
        charge = 2.5 * 400.0 * fade
        glow[i] = np.where(reads > onset, charge, 0.0)[:, None, None] * profile
    model.data += glow.astype(np.float32)
    path = tmp_path / "carried_jump.fits"
    model.save(path)
    with open_product(path) as product:
        found = detect_showers(product)
    assert {s.integration for s in found} == {0, 1}, found
    assert all(s.group <= 20 for s in found if s.integration == 0), found
    later = [s for s in found if s.integration == 1]
    assert all(s.group <= 1 for s in later), found
    affected = np.abs(ols_bias(glow[1], model.groupdq[1], GROUP_TIME)) > 0.1
    masked = np.any([ellipse_mask(s, SHAPE[2:]) for s in later], axis=0)
    assert (masked & affected).sum() >= 0.7 * affected.sum(), found


def test_a_glow_begun_between_two_integrations_is_found_by_its_excess_over_the_earlier(tmp_path):
    # a hit during the reset before integration 1 of 3, with a glow that hardly fades over
    # an integration: not in integration 0, then as bright as a faint source; only its
    # excess over integration 0 shows it
    shape = (3, 20, *SHAPE[2:])
    model, _ = make_ramp(shape, [], 6, n_stars=2, n_cosmic_rays=20)
    glow = np.zeros(shape)
    for i in (1, 2):
        reset = (i - 1) * (shape[1] + 1) * GROUP_TIME
        reads = reset + (np.arange(shape[1]) + 1) * GROUP_TIME
        charge = 0.8 * 600.0 * (np.exp(-reset / 600.0) - np.exp(-reads / 600.0))
        glow[i] = charge[:, None, None] * _profile()
    model.data += glow.astype(np.float32)
    path = tmp_path / "between_jump.fits"
    model.save(path)
    with open_product(path) as product:
        found = detect_showers(product)
    for i in (1, 2):
        _masked_from_the_start(found, glow, model, i)
    assert not [s for s in found if s.integration == 0], found
