"""Long jobs of the Shower Masking widget, off the GUI thread, with a napari progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from napari.qt.threading import GeneratorWorker, create_worker
from napari.utils import progress
from napari.utils.notifications import show_error


def with_progress(
    function: Callable[..., Any], *args: Any, **kwargs: Any
) -> Generator[float, None, Any]:
    """Run ``function(*args, progress=callback, **kwargs)``; yield its progress; return its result.

    Parameters
    ----------
    function : callable
        Takes a ``progress`` keyword: a callable it calls with the fraction done (0 to 1),
        from any thread.
    *args, **kwargs
        Passed to ``function``.

    Yields
    ------
    float
        The fraction done, every 50 ms.

    Returns
    -------
    object
        What ``function`` returns; its exceptions propagate.
    """
    done = [0.0]
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(function, *args, progress=lambda f: done.__setitem__(0, f), **kwargs)
        while not future.done():
            time.sleep(0.05)
            yield done[0]
        return future.result()


def start_job(
    function: Callable[..., Any],
    *args: Any,
    desc: str,
    returned: Callable[[Any], None],
    **kwargs: Any,
) -> GeneratorWorker:
    """Start ``function`` in a napari worker, with a progress bar; errors become notifications.

    Parameters
    ----------
    function : callable
        As for `with_progress`.
    *args, **kwargs
        Passed to ``function``.
    desc : str
        Label of the progress bar.
    returned : callable
        Called in the GUI thread with the result.

    Returns
    -------
    napari.qt.threading.GeneratorWorker
        The started worker (``finished`` is emitted after ``returned`` or an error).
    """
    bar = progress(total=100, desc=desc)
    worker = create_worker(with_progress, function, *args, _ignore_errors=True, **kwargs)
    worker.yielded.connect(lambda fraction: bar.update(int(100 * fraction) - bar.n))
    worker.returned.connect(returned)
    worker.errored.connect(lambda exc: show_error(str(exc).splitlines()[0]))
    worker.finished.connect(bar.close)
    worker.start()
    return worker
