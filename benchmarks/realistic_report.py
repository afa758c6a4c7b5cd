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


def split(parts: list[dict]) -> dict:
    """Recall and coverage by oracle SNR bin and kind, and what the undetectable hold.

    Parameters
    ----------
    parts : list of dict
        Scene scores of one masker (``eval_realistic.score``): ``showers`` records
        ``(peak, kind, found, snr, within, residue)`` and the affected pixels' ``before``,
        ``after`` and ``pixel`` records (`realistic_oracle.pixel_records`).

    Returns
    -------
    dict
        ``recall_by_snr`` and ``coverage_by_snr`` (bins x kinds, "all" included), the same
        by the within-integration SNR (``recall_by_within``, ``coverage_by_within``) and
        by the SNR with the reset residue free (``..._by_residue``),
        ``undetectable_share`` of the affected pixels and of their summed truth ``|bias|``
        (showers with oracle SNR < 5, `realistic_oracle.DETECTABLE`; ``within`` and
        ``residue``: the same by those SNRs),
        ``detectable``: coverage and ``|bias|`` p95 before and after masking over the
        other showers' pixels; ``ceiling``: what masking exactly the detectable showers'
        affected pixels from their onset, and nothing else, would score (coverage,
        ``|bias|`` p95 after, recall by peak brightness bin).
    """
    records = [s for p in parts for s in p["showers"]]
    peaks = [next(n for n, lo, hi in oracle.PEAK_BINS if lo <= r[0] < hi) for r in records]
    kinds = [r[1] for r in records]
    found = np.array([r[2] for r in records], dtype=bool)
    ceiling = _cross(
        peaks, ["peak"] * len(records), np.array([r[3] >= oracle.DETECTABLE for r in records])
    )

    def pixels(key: str, dtype: type) -> np.ndarray:
        return np.array([v for p in parts for v in p["pixel"][key]], dtype=dtype)

    snr, within = pixels("snr", np.float64), pixels("within", np.float64)
    residue = pixels("residue", np.float64)
    kind, covered, truth = pixels("kind", object), pixels("covered", bool), pixels("bias", float)
    before = np.array([v for p in parts for v in p["before"]], dtype=np.float64)
    after = np.array([v for p in parts for v in p["after"]], dtype=np.float64)
    low = snr < oracle.DETECTABLE
    good = ~low

    def p95(values: np.ndarray) -> float:
        return float(np.percentile(values, 95)) if values.size else float("nan")

    def share(mask: np.ndarray) -> dict[str, float]:
        return {
            "pixels": float(mask.mean()) if mask.size else float("nan"),
            "bias": float(truth[mask].sum() / max(truth.sum(), 1e-300)),
        }

    return {
        "recall_by_snr": _cross([oracle.snr_bin(r[3]) for r in records], kinds, found),
        "coverage_by_snr": _cross([oracle.snr_bin(v) for v in snr], kind.tolist(), covered),
        "recall_by_within": _cross([oracle.snr_bin(r[4]) for r in records], kinds, found),
        "coverage_by_within": _cross([oracle.snr_bin(v) for v in within], kind.tolist(), covered),
        "recall_by_residue": _cross([oracle.snr_bin(r[5]) for r in records], kinds, found),
        "coverage_by_residue": _cross(
            [oracle.snr_bin(v) for v in residue], kind.tolist(), covered
        ),
        "undetectable_share": {
            **share(low),
            "within": share(within < oracle.DETECTABLE),
            "residue": share(residue < oracle.DETECTABLE),
        },
        "detectable": {
            "pixels": int(good.sum()),
            "coverage": float(covered[good].mean()) if good.any() else float("nan"),
            "bias_before_p95": p95(before[good]),
            "bias_after_p95": p95(after[good]),
        },
        "ceiling": {
            "coverage": float(good.mean()) if snr.size else float("nan"),
            "bias_after_p95": p95(np.where(good, 0.0, before)),
            "recall": {row: cols["all"] for row, cols in ceiling.items()},
        },
    }


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
    lines = [f"{name}: by oracle SNR (rows) and kind (columns); found/of (rate)"]
    tables = (
        ("recall", "recall_by_snr"),
        ("coverage", "coverage_by_snr"),
        ("recall, within-integration SNR", "recall_by_within"),
        ("coverage, within-integration SNR", "coverage_by_within"),
        ("recall, SNR with the reset residue free", "recall_by_residue"),
        ("coverage, SNR with the reset residue free", "coverage_by_residue"),
    )
    for title, key in tables:
        lines.append(f"  {title}")
        lines.append(f"  {'':10}" + "".join(f"{k:>20}" for k in kinds))
        for row in [b[0] for b in oracle.SNR_BINS] + ["all"]:
            cells = []
            for col in kinds:
                c = figures[key].get(row, {}).get(col)
                cells.append(f"{c['found']}/{c['of']} ({c['rate']:.2f})" if c else "-")
            lines.append(f"  SNR {row:6}" + "".join(f"{c:>20}" for c in cells))
    share, good = figures["undetectable_share"], figures["detectable"]
    lines.append(
        f"  oracle SNR < {oracle.DETECTABLE:g}: {share['pixels']:.3f} of the affected pixels, "
        f"{share['bias']:.3f} of their summed |bias|; within-integration SNR < "
        f"{oracle.DETECTABLE:g}: {share['within']['pixels']:.3f} and "
        f"{share['within']['bias']:.3f}; with the reset residue free < "
        f"{oracle.DETECTABLE:g}: {share['residue']['pixels']:.3f} and "
        f"{share['residue']['bias']:.3f}"
    )
    lines.append(
        f"  detectable (SNR >= {oracle.DETECTABLE:g}, {good['pixels']} pixels): coverage "
        f"{good['coverage']:.3f}; |bias| p95 {good['bias_before_p95']:.3f} before, "
        f"{good['bias_after_p95']:.3f} after"
    )
    top = figures["ceiling"]
    recall = ", ".join(
        f"{k} DN/s {c['rate']:.2f} ({c['found']}/{c['of']})" for k, c in top["recall"].items()
    )
    lines.append(
        f"  ceiling (exactly the detectable showers masked): coverage {top['coverage']:.3f}, "
        f"|bias| p95 after {top['bias_after_p95']:.3f}; recall {recall}"
    )
    return "\n".join(lines)
