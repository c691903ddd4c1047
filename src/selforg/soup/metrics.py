"""What a soup looks like: compressibility, entropy, frequent programs, replicators.

Agüera y Arcas et al., "Computational Life" (arXiv 2406.19108). Definitions follow the reference
simulator (cubff) so that logs compare line by line:

- ``brotli_size``: the N·64 soup bytes compressed by brotli, quality 2, window 24, generic mode;
- ``brotli_bpb`` = 8·size/(N·64); ``h0``: Shannon entropy (bits) of the byte histogram;
- ``higher_entropy`` = h0 − bpb: ≈ 0 for a random soup, > 3 once replicators took over.
"""

from __future__ import annotations

import hashlib

import brotli
import numpy as np

from selforg.soup.dynamics import selfrep_scores
from selforg.soup.languages import MAX_STEPS, lang_id, noop_mask, program_text
from selforg.soup.rng import seed_py

REPLICATOR_SCORE = 5  # the reference simulator's threshold (kSelfrepThreshold)


def brotli_size(soup: np.ndarray) -> int:
    """Bytes of the soup compressed with brotli quality 2, lgwin 24, generic mode."""
    return len(brotli.compress(soup.tobytes(), quality=2, lgwin=24, mode=brotli.MODE_GENERIC))


def byte_entropy(soup: np.ndarray) -> float:
    """h0: Shannon entropy in bits of the byte histogram of the whole soup."""
    counts = np.bincount(soup.ravel(), minlength=256)
    f = counts[counts > 0] / soup.size
    return float(-(f * np.log2(f)).sum())


def soup_sha256(soup: np.ndarray) -> str:
    """Hex SHA-256 of the soup's N·64 bytes in program order."""
    return hashlib.sha256(np.ascontiguousarray(soup).tobytes()).hexdigest()


def entropy_metrics(soup: np.ndarray) -> dict:
    """brotli_size, brotli_bpb, h0, higher_entropy and soup_sha256 of a (N, 64) uint8 soup."""
    size = brotli_size(soup)
    bpb = size * 8.0 / soup.size
    h0 = byte_entropy(soup)
    return {
        "brotli_size": size,
        "brotli_bpb": bpb,
        "h0": h0,
        "higher_entropy": h0 - bpb,
        "soup_sha256": soup_sha256(soup),
    }


def frequent_bytes(soup: np.ndarray, lang: str, k: int = 8) -> list[list]:
    """The k most common byte values as [text, fraction], most common first (ties: larger byte)."""
    counts = np.bincount(soup.ravel(), minlength=256)
    order = sorted(range(256), key=lambda b: (counts[b], b), reverse=True)[:k]
    return [[program_text(bytes([b]), lang), float(counts[b] / soup.size)] for b in order]


def _count_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique 64-byte rows with counts and first index, most frequent first."""
    view = np.ascontiguousarray(rows).view(np.dtype((np.void, rows.shape[1]))).ravel()
    uniq, first, counts = np.unique(view, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    return first[order], counts[order], uniq[order]


def top_programs(soup: np.ndarray, lang: str, k: int = 8, *, epoch: int = 0, seed: int = 0,
                 score: bool = True) -> list[dict]:
    """The k most frequent exact programs: text, hex, count, and self-replication score.

    Args:
        soup: (N, 64) uint8.
        lang: language name.
        k: how many.
        epoch, seed: the 0-based epoch and run seed that key the replication test's noise.
        score: run the self-replication test on each.
    """
    first, counts, _ = _count_rows(soup)
    first, counts = first[:k], counts[:k]
    progs = soup[first]
    scores = replication_scores(soup, first, lang, epoch=epoch, seed=seed) if score else None
    out = []
    for m in range(len(first)):
        rec = {
            "text": program_text(progs[m], lang),
            "hex": progs[m].tobytes().hex(),
            "count": int(counts[m]),
        }
        if scores is not None:
            rec["selfrep"] = int(scores[m])
        out.append(rec)
    return out


def top_families(soup: np.ndarray, lang: str, k: int = 8) -> list[dict]:
    """The k most frequent families: programs equal up to their no-op bytes (shown as ``·``)."""
    mask = noop_mask(lang)
    keyed = soup.copy()
    if mask.any():
        keyed[mask[soup]] = np.flatnonzero(mask)[0]  # every no-op byte → one no-op value
    first, counts, _ = _count_rows(keyed)
    out = []
    for m in range(min(k, len(first))):
        row = keyed[first[m]]
        text = "".join(
            "·" if mask[b] else program_text(bytes([b]), lang) for b in row.tolist()
        )
        example = soup[first[m]].tobytes().hex()
        out.append({"family": text, "count": int(counts[m]), "example": example})
    return out


def replication_scores(soup: np.ndarray, indices: np.ndarray, lang: str, *, epoch: int,
                       seed: int) -> np.ndarray:
    """Self-replication scores of soup[indices] (≥ `REPLICATOR_SCORE`: a replicator)."""
    idx = np.asarray(indices, dtype=np.int64)
    es = np.uint64(seed_py(seed, epoch))
    return selfrep_scores(
        np.ascontiguousarray(soup[idx]), idx, soup.shape[0], es, lang_id(lang), MAX_STEPS
    )


def replicator_fraction(soup: np.ndarray, lang: str, *, epoch: int, seed: int,
                        sample: int = 1024) -> float:
    """Fraction of replicators in an evenly spaced sample of ≤ `sample` programs."""
    n = soup.shape[0]
    idx = np.unique(np.linspace(0, n - 1, min(n, sample)).astype(np.int64))
    scores = replication_scores(soup, idx, lang, epoch=epoch, seed=seed)
    return float((scores >= REPLICATOR_SCORE).mean())
