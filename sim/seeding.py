"""Seeds by coordinates: any run can be re-created alone, and every input draws from its own stream.

**A run's generator.** A Monte Carlo replicate's generator comes from
``SeedSequence(root, spawn_key=(replicate,))``, the same sequence
``SeedSequence(root).spawn(n)[replicate]`` gives, so the seed of replicate 17 does
not depend on how many replicates ran. A single nominal run (no replicate) uses
``SeedSequence(root)`` itself. The run's generator draws what happens during the
run: logistic acceptance, a stochastic protocol's choices, alternating offers'
recognition.

A sweep's run (design point p, replicate r) uses the same ``spawn_key=(r,)``: the
design point is not part of any key. Replicate r therefore meets the same random
inputs *and* the same stochastic events at every design point (*common random
numbers*), and a parameter that has no effect leaves every outcome identical, row
for row, across the design points (a test checks it). Its ``run_seed`` column is
the same at every point, and the run is the replicate r of a Monte Carlo of the
point's scenario: ``negsim run --set ... --replicate R`` (``--point P`` is accepted
but changes no seed) or ``negsim run EXPERIMENT --point P --replicate R``
re-create it alone. (Keyed by (p, r), as it once was, replicate noise differed from
point to point and showed up in sensitivity indices as effects of inert levers.)

**Named sub-streams for uncertain inputs.** Each uncertain input (one number of
the scenario, named by its own dotted path p, e.g. ``actors.usa.position.aid_level``)
draws, in replicate r, from the sub-stream

    ``SeedSequence(root, spawn_key=(r, stable_hash(p)))``

and each shared factor F from the stream of the name ``factor:F``. One draw is
taken from each: the sub-stream's first 64 bits,
``x = SeedSequence(...).generate_state(1, numpy.uint64)[0]``, as the uniform
``u = (floor(x / 2**11) + 1/2) / 2**53`` in (0, 1) (:func:`stream_uniforms`;
numpy alone re-creates it). So:

- adding, removing or changing the uncertainty on one path never changes another
  path's draws;
- a sweep's design point does not enter the key (only the root seed and the
  replicate do): every design point sees the same draws for replicate r, *common
  random numbers* (as the run's generator above), so a difference between points
  is the levers' effect, not noise;
- the Mesa model (one replicate) and the ensemble (many) draw the same inputs.

:func:`stream_uniforms` computes many sub-streams at once with numpy's
SeedSequence hash written over arrays (a test checks it word for word against
``numpy.random.SeedSequence``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

__all__ = ["run_seed", "run_rng", "stable_hash", "stream_state", "stream_uniforms"]


def run_seed(root: int, replicate: int | None = None) -> int:
    """The integer seed handed to one run's model (64 bits from its seed sequence).

    By (root, replicate) alone: a sweep's design point does not enter it (common
    random numbers, module docstring).
    """
    if replicate is None:
        sequence = np.random.SeedSequence(root)
    else:
        sequence = np.random.SeedSequence(root, spawn_key=(replicate,))
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


def run_rng(root: int, replicate: int | None = None) -> np.random.Generator:
    """The generator one run draws from: ``numpy.random.default_rng(run_seed(...))``."""
    return np.random.default_rng(run_seed(root, replicate))


def stable_hash(name: str) -> int:
    """A name's stream key: the first 8 bytes of SHA-256(name), little-endian, with the top bit set.

    The same on every machine and Python (unlike ``hash``); the top bit keeps it two
    32-bit words long, beyond any replicate or design-point index.
    """
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little") | (1 << 63)


# numpy's SeedSequence constants (numpy/random/bit_generator.pyx)
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_POOL = 4
_MASK = 0xFFFFFFFF


def _words(value: int) -> list[int]:
    """An int as 32-bit words, least significant first (as SeedSequence reads it)."""
    words = []
    while True:
        words.append(value & _MASK)
        value >>= 32
        if not value:
            return words


def _pool(root: int, keys: list[np.ndarray]) -> list[np.ndarray]:
    """SeedSequence's entropy pool for ``root`` and spawn keys given as columns of 32-bit words."""
    rows = keys[0].shape
    run = _words(root)
    run += [0] * (_POOL - len(run))  # a spawned sequence pads its root to the pool size
    entropy = [np.full(rows, word, dtype=np.uint32) for word in run] + [k.astype(np.uint32) for k in keys]
    const = [_INIT_A]

    def hashmix(value: np.ndarray) -> np.ndarray:
        value = value ^ np.uint32(const[0])
        const[0] = (const[0] * _MULT_A) & _MASK
        value = value * np.uint32(const[0])
        return value ^ (value >> np.uint32(16))

    def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        result = np.uint32(_MIX_L) * x - np.uint32(_MIX_R) * y
        return result ^ (result >> np.uint32(16))

    pool = [hashmix(entropy[i]) for i in range(_POOL)]
    for source in range(_POOL):
        for target in range(_POOL):
            if source != target:
                pool[target] = mix(pool[target], hashmix(pool[source]))
    for source in range(_POOL, len(entropy)):
        for target in range(_POOL):
            pool[target] = mix(pool[target], hashmix(entropy[source]))
    return pool


def stream_state(root: int, replicates: Sequence[int], names: Sequence[str], words: int = 2) -> np.ndarray:
    """``SeedSequence(root, spawn_key=(r, stable_hash(name))).generate_state(words)`` for every r and name.

    Returns
    -------
    array (R, N, words) of uint32
    """
    replicates = np.asarray(replicates, dtype=np.int64).reshape(-1)
    out = np.zeros((len(replicates), len(names), words), dtype=np.uint32)
    if not len(replicates) or not len(names):
        return out
    if root < 0 or replicates.min() < 0:
        raise ValueError("seeds and replicate indices must be >= 0")
    hashes = np.array([stable_hash(name) for name in names], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for wide in (False, True):  # replicates of one 32-bit word, then (rarely) of two
            rows = np.flatnonzero((replicates >= 2 ** 32) == wide)
            if not len(rows):
                continue
            r = np.repeat(replicates[rows], len(names)).astype(np.uint64)
            h = np.tile(hashes, len(rows))
            keys = [r & np.uint64(_MASK)] + ([r >> np.uint64(32)] if wide else [])
            keys += [h & np.uint64(_MASK), h >> np.uint64(32)]
            pool = _pool(root, keys)
            const = _INIT_B
            state = []
            for word in range(words):
                value = pool[word % _POOL] ^ np.uint32(const)
                const = (const * _MULT_B) & _MASK
                value = value * np.uint32(const)
                state.append(value ^ (value >> np.uint32(16)))
            out[rows] = np.stack(state, axis=1).reshape(len(rows), len(names), words)
    return out


def stream_uniforms(root: int, replicates: Sequence[int], names: Sequence[str]) -> np.ndarray:
    """One uniform in (0, 1) from each named sub-stream of each replicate (module docstring).

    Returns
    -------
    array (R, N)
    """
    state = stream_state(root, replicates, names, 2).astype(np.uint64)
    bits = state[..., 0] | (state[..., 1] << np.uint64(32))
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0 ** 53
