"""Shared fixtures: small real JWST products written through stdatamodels."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from support.files import LINUX_ONLY_CALLS, PORTABLE_ONLY, file_digest, write_product

__all__ = ["LINUX_ONLY_CALLS", "PORTABLE_ONLY", "file_digest", "write_product"]


@pytest.fixture(autouse=True, scope="session")
def _offline_crds(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point CRDS at an empty cache and an unreachable server: tests run offline."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CRDS_PATH", str(tmp_path_factory.mktemp("crds")))
    mp.setenv("CRDS_SERVER_URL", "http://127.0.0.1:9")
    yield
    mp.undo()


@pytest.fixture(autouse=True, scope="session")
def _ctrl_c_as_from_a_terminal() -> None:
    """Run the tests with Ctrl-C handled, also when started in the background.

    A shell without job control starts background commands with SIGINT ignored, and
    children inherit that; the tests that press Ctrl-C on ``showermask`` (which keeps an
    ignored SIGINT ignored, as ``nohup`` users expect) need it as a terminal gives it.
    """
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def ramp_file(tmp_path: Path) -> Path:
    """A 2-integration, 8-group, 16x20 ramp (``_jump.fits``)."""
    return write_product(tmp_path / "small_jump.fits", "ramp", (2, 8, 16, 20))


@pytest.fixture
def rateints_file(tmp_path: Path) -> Path:
    """A 2-integration 16x20 rateints product."""
    return write_product(tmp_path / "small_rateints.fits", "rateints", (2, 16, 20))


@pytest.fixture
def rate_file(tmp_path: Path) -> Path:
    """A 16x20 rate product."""
    return write_product(tmp_path / "small_rate.fits", "rate", (16, 20))


#: The viewer's tests fail on a deprecation warning raised from the package's own code.
OWN_DEPRECATIONS = [
    f"error::{kind}:napari_showermask"
    for kind in ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning")
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Turn deprecation warnings attributed to ``napari_showermask`` into errors (viewer)."""
    for item in items:
        if "viewer/" in item.nodeid.replace("\\", "/"):
            for spec in OWN_DEPRECATIONS:
                item.add_marker(pytest.mark.filterwarnings(spec))
