"""The realistic evaluation's report: scene scores merged into figures, and the table.

`summary` merges the scores of `eval_realistic.score` (one masker, many scenes) into the
reported figures; `table` prints them, one column per masker; `split` splits them by
oracle SNR (`realistic_oracle`) and `split_table` prints that.
"""

from __future__ import annotations

import numpy as np
import realistic_oracle as oracle

BINS = oracle.PEAK_BINS


def summary(parts: list[dict]) -> dict:
    """Merge scene scores into the reported figures."""
    mpix_ints = sum(p["pixels"] for p in parts) / 1e6
    before = np.array([v for p in parts for v in p["before"]] or [np.nan])
    after = np.array([v for p in parts for v in p["after"]] or [np.nan])
    affected = sum(p["affected"] for p in parts)
    showers = [s for p in parts for s in p["showers"]]
    recall: dict[str, list[int]] = {}
    for peak, kind, found, *_ in showers:
        name = next(n for n, lo, hi in BINS if lo <= peak < hi)
        for key in (name, kind):
            recall.setdefault(key, [0, 0])
            recall[key][0] += found
            recall[key][1] += 1
    on_source: dict[str, int] = {}
    for p in parts:
        for kind, n in p["on_source"].items():
            on_source[kind] = on_source.get(kind, 0) + n
    return {
        "affected_pixels": affected,
        "coverage": sum(p["covered"] for p in parts) / max(affected, 1),
        "dropped": sum(p["dropped"] for p in parts) / max(affected, 1),
        "bias_before_median": float(np.median(before)),
        "bias_before_p95": float(np.percentile(before, 95)),
        "bias_after_median": float(np.median(after)),
        "bias_after_p95": float(np.percentile(after, 95)),
        "false_area_no_charge_per_mpix_int": sum(p["masked_no_charge"] for p in parts) / mpix_ints,
        "false_area_not_affected_per_mpix_int": sum(p["masked_not_affected"] for p in parts)
        / mpix_ints,
        "candidates_per_mpix_int": sum(p["candidates"] for p in parts) / mpix_ints,
        "false_candidates_per_mpix_int": sum(p["false"] for p in parts) / mpix_ints,
        "candidates_on_static_sources": on_source,
        "recall": {k: {"found": h, "showers": n, "rate": h / n} for k, (h, n) in recall.items()},
        "oracle": split(parts),
        "mpix_integrations": mpix_ints,
        "seconds": sum(p["seconds"] for p in parts),
    }


def table(summaries: dict[str, dict]) -> str:
    """The printed report: one column per masker."""
    rows = [
        ("affected pixels", "affected_pixels", "{:.0f}"),
        ("coverage from onset", "coverage", "{:.3f}"),
        ("dropped (no slope)", "dropped", "{:.3f}"),
        ("|bias| median before", "bias_before_median", "{:.3f}"),
        ("|bias| median after", "bias_after_median", "{:.3f}"),
        ("|bias| p95 before", "bias_before_p95", "{:.3f}"),
        ("|bias| p95 after", "bias_after_p95", "{:.3f}"),
        ("false area, no charge /Mpix/int", "false_area_no_charge_per_mpix_int", "{:.0f}"),
        ("false area, unaffected /Mpix/int", "false_area_not_affected_per_mpix_int", "{:.0f}"),
        ("candidates /Mpix/int", "candidates_per_mpix_int", "{:.2f}"),
        ("false candidates /Mpix/int", "false_candidates_per_mpix_int", "{:.2f}"),
    ]
    names = list(summaries)
    lines = [f"{'':34}" + "".join(f"{n:>14}" for n in names)]
    for title, key, fmt in rows:
        lines.append(
            f"{title:34}" + "".join(f"{fmt.format(summaries[n][key]):>14}" for n in names)
        )
    kinds = sorted({k for s in summaries.values() for k in s["candidates_on_static_sources"]})
    for kind in kinds:
        cells = [summaries[n]["candidates_on_static_sources"].get(kind, 0) for n in names]
        lines.append(f"{'candidates on ' + kind:34}" + "".join(f"{c:>14}" for c in cells))
    keys = [b[0] for b in BINS] + ["onset", "idle", "carried"]
    for key in keys:
        cells = []
        for n in names:
            r = summaries[n]["recall"].get(key)
            cells.append(f"{r['rate']:.2f} ({r['found']}/{r['showers']})" if r else "-")
        label_ = f"recall {key} DN/s" if key in dict((b[0], 0) for b in BINS) else f"recall {key}"
        lines.append(f"{label_:34}" + "".join(f"{c:>14}" for c in cells))
    return "\n".join(lines)


VARIANTS = ("snr", "within", "residue", "photon")  # the Oracle fields, in the records' order


def split(parts: list[dict]) -> dict:
    """Recall and coverage by oracle SNR bin and kind, and what the undetectable hold.

    Parameters
    ----------
    parts : list of dict
        Scene scores of one masker (``eval_realistic.score``): ``showers`` records
        ``(peak, kind, found, snr, within, residue, photon)`` and the affected pixels'
        ``before``, ``after`` and ``pixel`` records (`realistic_oracle.pixel_records`).

    Returns
    -------
    dict
        For each SNR of `realistic_oracle.Oracle` (`VARIANTS`): ``recall_by_<name>`` and
        ``coverage_by_<name>`` (bins x kinds, "all" included); ``undetectable_share``
        (of the affected pixels and of their summed truth ``|bias|``, showers with that
        SNR < 5, `realistic_oracle.DETECTABLE`); ``ceiling``: what masking exactly the
        detectable showers' affected pixels from their onset, and nothing else, would
        score (coverage, ``|bias|`` p95 after, recall by peak brightness bin);
        ``detectable_by``: coverage and ``|bias|`` p95 before and after masking over the
        pixels of the showers with that SNR >= 5 (``detectable``: by ``snr``).
    """
    records = [s for p in parts for s in p["showers"]]
    peaks = [next(n for n, lo, hi in oracle.PEAK_BINS if lo <= r[0] < hi) for r in records]
    kinds = [r[1] for r in records]
    found = np.array([r[2] for r in records], dtype=bool)

    def pixels(key: str, dtype: type) -> np.ndarray:
        return np.array([v for p in parts for v in p["pixel"][key]], dtype=dtype)

    kind, covered, truth = pixels("kind", object), pixels("covered", bool), pixels("bias", float)
    before = np.array([v for p in parts for v in p["before"]], dtype=np.float64)
    after = np.array([v for p in parts for v in p["after"]], dtype=np.float64)

    def p95(values: np.ndarray) -> float:
        return float(np.percentile(values, 95)) if values.size else float("nan")

    out: dict = {"undetectable_share": {}, "ceiling": {}}
    for n, name in enumerate(VARIANTS):
        snr = pixels(name, np.float64)
        of_shower = [r[3 + n] for r in records]
        out[f"recall_by_{name}"] = _cross([oracle.snr_bin(v) for v in of_shower], kinds, found)
        out[f"coverage_by_{name}"] = _cross(
            [oracle.snr_bin(v) for v in snr], kind.tolist(), covered
        )
        low = snr < oracle.DETECTABLE
        out["undetectable_share"][name] = {
            "pixels": float(low.mean()) if low.size else float("nan"),
            "bias": float(truth[low].sum() / max(truth.sum(), 1e-300)),
        }
        hits = np.array([v >= oracle.DETECTABLE for v in of_shower], dtype=bool)
        ceiling = _cross(peaks, ["peak"] * len(records), hits)
        out["ceiling"][name] = {
            "coverage": float((~low).mean()) if low.size else float("nan"),
            "bias_after_p95": p95(np.where(low, before, 0.0)),
            "recall": {row: cols["all"] for row, cols in ceiling.items()},
        }
        good = ~low
        out.setdefault("detectable_by", {})[name] = {
            "pixels": int(good.sum()),
            "coverage": float(covered[good].mean()) if good.any() else float("nan"),
            "bias_before_p95": p95(before[good]),
            "bias_after_p95": p95(after[good]),
        }
    out["detectable"] = out["detectable_by"]["snr"]
    return out


def _cross(rows: list[str], cols: list[str], hits: np.ndarray) -> dict[str, dict[str, dict]]:
    """Hits per row and column label ("all" added to both): ``{"found", "of", "rate"}``."""
    cells: dict[str, dict[str, list[int]]] = {}
    for row, col, hit in zip(rows, cols, hits.tolist(), strict=True):
        for r in (row, "all"):
            for c in (col, "all"):
                cell = cells.setdefault(r, {}).setdefault(c, [0, 0])
                cell[0] += int(hit)
                cell[1] += 1
    return _rates(cells)


def _rates(cells: dict[str, dict[str, list[int]]]) -> dict[str, dict[str, dict]]:
    """``[hits, total]`` cells to ``{"found", "of", "rate"}``."""
    return {
        row: {col: {"found": h, "of": n, "rate": h / n} for col, (h, n) in cols.items()}
        for row, cols in cells.items()
    }


def split_table(name: str, figures: dict) -> str:
    """The split figures of one masker as printed lines."""
    kinds = ["onset", "idle", "carried", "all"]
    titles = {
        "snr": "oracle SNR (read noise, one common rate)",
        "within": "SNR of each integration alone (its own rate)",
        "residue": "SNR with the reset residue's curve free",
        "photon": "SNR with the static scene's photon noise too",
    }
    lines = [f"{name}: by SNR bin (rows) and kind (columns); found/of (rate)"]
    for variant in ("snr", "within", "photon"):
        for what in ("recall", "coverage"):
            lines.append(f"  {what}, {titles[variant]}")
            lines.append(f"  {'':10}" + "".join(f"{k:>20}" for k in kinds))
            table_ = figures[f"{what}_by_{variant}"]
            for row in [b[0] for b in oracle.SNR_BINS] + ["all"]:
                cells = []
                for col in kinds:
                    c = table_.get(row, {}).get(col)
                    cells.append(f"{c['found']}/{c['of']} ({c['rate']:.2f})" if c else "-")
                lines.append(f"  SNR {row:6}" + "".join(f"{c:>20}" for c in cells))
    for variant in VARIANTS:
        share, top = figures["undetectable_share"][variant], figures["ceiling"][variant]
        recall = ", ".join(
            f"{k} {c['rate']:.2f} ({c['found']}/{c['of']})" for k, c in top["recall"].items()
        )
        lines.append(
            f"  {titles[variant]} < {oracle.DETECTABLE:g}: {share['pixels']:.3f} of the "
            f"affected pixels, {share['bias']:.3f} of their |bias|; ceiling coverage "
            f"{top['coverage']:.3f}, |bias| p95 after {top['bias_after_p95']:.3f}, recall "
            f"by peak DN/s {recall}"
        )
    for variant in ("snr", "photon"):
        good = figures["detectable_by"][variant]
        lines.append(
            f"  detectable ({titles[variant]} >= {oracle.DETECTABLE:g}, {good['pixels']} "
            f"pixels): coverage {good['coverage']:.3f}; |bias| p95 "
            f"{good['bias_before_p95']:.3f} before, {good['bias_after_p95']:.3f} after"
        )
    return "\n".join(lines)
