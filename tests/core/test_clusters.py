"""Clusters of overlapping showers: the same groups as comparing every pair of boxes."""

from __future__ import annotations

import numpy as np

from napari_showermask.core.geometry import shower_pixels
from napari_showermask.core.onsets import clusters
from napari_showermask.core.shower import Shower


def pairwise(found):
    parent = list(range(len(found)))

    def root(n):
        while parent[n] != n:
            n = parent[n]
        return n

    for m, (_, ((rm, cm), _)) in enumerate(found):
        for n in range(m):
            (rn, cn), _ = found[n][1]
            if (
                rm.start < rn.stop
                and rn.start < rm.stop
                and cm.start < cn.stop
                and cn.start < cm.stop
            ):
                parent[root(m)] = root(n)
    groups = {}
    for n in range(len(found)):
        groups.setdefault(root(n), []).append(n)
    return sorted(groups.values())


def test_clusters_equal_the_pairwise_groups():
    rng = np.random.default_rng(7)
    showers = [
        Shower(0, 1, float(x), float(y), float(a), float(a) * 0.6, float(t))
        for x, y, a, t in zip(
            rng.uniform(-5, 90, 60), rng.uniform(-5, 70, 60), rng.uniform(0.6, 4, 60),
            rng.uniform(0, 180, 60), strict=True,
        )
    ]  # fmt: skip
    found = [(s, f) for s in showers if (f := shower_pixels(s, (64, 80))) is not None]
    index = {id(item[0]): n for n, item in enumerate(found)}
    ours = sorted(sorted(index[id(s)] for s, _ in group) for group in clusters(found))
    assert ours == pairwise(found)
    assert 1 < len(ours) < len(found)  # some showers overlap, some do not
