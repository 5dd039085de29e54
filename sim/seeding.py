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

import functools
import hashlib
from collections.abc import Sequence

import numba
import numpy as np

__all__ = ["ReplicateGenerators", "run_rng", "run_seed", "run_seeds", "stable_hash", "stream_state",
           "stream_uniforms"]


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


@functools.lru_cache(maxsize=1 << 16)
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


def _hashmix(value: int, const: int) -> tuple[int, int]:
    """SeedSequence's hashmix of one word; returns (word, next constant)."""
    value ^= const
    const = (const * _MULT_A) & _MASK
    value = (value * const) & _MASK
    return value ^ (value >> 16), const


def _mix(x: int, y: int) -> int:
    result = (_MIX_L * x - _MIX_R * y) & _MASK
    return result ^ (result >> 16)


def _root_pool(root: int) -> tuple[np.ndarray, int]:
    """SeedSequence's entropy pool after its root's words, and the hash constant reached there.

    What every sub-stream of ``root`` shares: spawned sequences pad the root to the
    pool size, then mix in their spawn key's words (:func:`_mix_keys`).
    """
    run = _words(root)
    run += [0] * (_POOL - len(run))
    const = _INIT_A
    pool = []
    for word in run[:_POOL]:
        value, const = _hashmix(word, const)
        pool.append(value)
    for source in range(_POOL):
        for target in range(_POOL):
            if source != target:
                value, const = _hashmix(pool[source], const)
                pool[target] = _mix(pool[target], value)
    for word in run[_POOL:]:
        for target in range(_POOL):
            value, const = _hashmix(word, const)
            pool[target] = _mix(pool[target], value)
    return np.array(pool, dtype=np.uint64), const


@numba.njit(cache=True, nogil=True)
def _mix_keys(pool0, consts, keys, words, out):  # pragma: no cover - compiled
    """For each row of ``keys`` (32-bit words of a spawn key): mix them into the root's pool
    (SeedSequence's mixing, as :func:`_root_pool`; ``consts`` are the hash constants of the
    successive mixes, the same for every key) and write ``words`` words of generate_state."""
    mask = np.uint64(0xFFFFFFFF)
    mult_b = np.uint64(0x58F38DED)
    mix_l, mix_r = np.uint64(0xCA01F9DD), np.uint64(0x4973F715)
    shift = np.uint64(16)
    for m in range(keys.shape[0]):
        p0, p1, p2, p3 = pool0[0], pool0[1], pool0[2], pool0[3]
        step = 0
        for k in range(keys.shape[1]):
            word = keys[m, k]
            for target in range(4):
                value = ((word ^ consts[step]) * consts[step + 1]) & mask
                value ^= value >> shift
                step += 1
                if target == 0:
                    result = (mix_l * p0 - mix_r * value) & mask
                    p0 = result ^ (result >> shift)
                elif target == 1:
                    result = (mix_l * p1 - mix_r * value) & mask
                    p1 = result ^ (result >> shift)
                elif target == 2:
                    result = (mix_l * p2 - mix_r * value) & mask
                    p2 = result ^ (result >> shift)
                else:
                    result = (mix_l * p3 - mix_r * value) & mask
                    p3 = result ^ (result >> shift)
        const = np.uint64(0x8B51F9DD)
        for w in range(words):
            part = w % 4
            value = (p0 if part == 0 else p1 if part == 1 else p2 if part == 2 else p3) ^ const
            const = (const * mult_b) & mask
            value = (value * const) & mask
            out[m, w] = value ^ (value >> shift)


def stream_state(root: int, replicates: Sequence[int], names: Sequence[str], words: int = 2, *,
                 hashes: np.ndarray | None = None) -> np.ndarray:
    """``SeedSequence(root, spawn_key=(r, stable_hash(name))).generate_state(words)`` for every r and name.

    The root's share of the hash is computed once (:func:`_root_pool`), each spawn key's
    in one compiled pass (:func:`_mix_keys`). ``hashes``, if given, are the names'
    :func:`stable_hash` already computed (uint64, one per name).

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
    if hashes is None:
        hashes = np.array([stable_hash(name) for name in names], dtype=np.uint64)
    pool, const = _root_pool(root)
    for wide in (False, True):  # replicates of one 32-bit word, then (rarely) of two
        rows = np.flatnonzero((replicates >= 2 ** 32) == wide)
        if not len(rows):
            continue
        r = np.repeat(replicates[rows], len(names)).astype(np.uint64)
        h = np.tile(hashes, len(rows))
        keys = [r & np.uint64(_MASK)] + ([r >> np.uint64(32)] if wide else [])
        keys += [h & np.uint64(_MASK), h >> np.uint64(32)]
        state = _keyed_state(pool, const, keys, words)
        out[rows] = state.astype(np.uint32).reshape(len(rows), len(names), words)
    return out


def _keyed_state(pool: np.ndarray, const: int, keys: list[np.ndarray], words: int) -> np.ndarray:
    """generate_state(words) of the root's sequences spawned with each row of ``keys`` (32-bit words)."""
    consts = [const]  # hashmix's constant before each mix of a key word into a pool entry
    for _ in range(4 * len(keys)):
        consts.append((consts[-1] * _MULT_A) & _MASK)
    state = np.empty((len(keys[0]), words), dtype=np.uint64)
    _mix_keys(pool, np.array(consts, dtype=np.uint64), np.ascontiguousarray(np.stack(keys, axis=1)), words, state)
    return state


def run_seeds(root: int, replicates: Sequence[int]) -> np.ndarray:
    """:func:`run_seed` of many replicates at once (the same 64-bit seeds): array of uint64."""
    replicates = np.asarray(replicates, dtype=np.int64).reshape(-1)
    out = np.zeros(len(replicates), dtype=np.uint64)
    if not len(replicates):
        return out
    if root < 0 or replicates.min() < 0:
        raise ValueError("seeds and replicate indices must be >= 0")
    pool, const = _root_pool(root)
    for wide in (False, True):
        rows = np.flatnonzero((replicates >= 2 ** 32) == wide)
        if not len(rows):
            continue
        r = replicates[rows].astype(np.uint64)
        keys = [r & np.uint64(_MASK)] + ([r >> np.uint64(32)] if wide else [])
        state = _keyed_state(pool, const, keys, 2)
        out[rows] = state[:, 0] | (state[:, 1] << np.uint64(32))
    return out


class ReplicateGenerators(Sequence):
    """Each replicate's generator, ``numpy.random.default_rng(seed)``, made when first asked for.

    A deterministic protocol draws nothing, so its runs never pay for building generators; a
    replicate's generator is the same object however often it is asked for.
    """

    def __init__(self, seeds: Sequence[int]):
        self.seeds = [int(seed) for seed in seeds]
        self._made: dict[int, np.random.Generator] = {}

    def __len__(self) -> int:
        return len(self.seeds)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]
        made = self._made.get(index)
        if made is None:
            made = self._made[index] = np.random.default_rng(self.seeds[index])
        return made


def stream_uniforms(root: int, replicates: Sequence[int], names: Sequence[str], *,
                    hashes: np.ndarray | None = None) -> np.ndarray:
    """One uniform in (0, 1) from each named sub-stream of each replicate (module docstring);
    ``hashes`` as in :func:`stream_state`.

    Returns
    -------
    array (R, N)
    """
    state = stream_state(root, replicates, names, 2, hashes=hashes).astype(np.uint64)
    bits = state[..., 0] | (state[..., 1] << np.uint64(32))
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0 ** 53
