"""Arrow columns built from NumPy buffers are the ones pyarrow.array makes, and a sweep worker's
chunk is built without loading pandas or scipy.stats."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pyarrow as pa
import pytest

from sim.results.arrow import column, id_lists, numeric, strings
from tests.conftest import SCENARIOS

ROOT = SCENARIOS.parent


@pytest.mark.parametrize("type_", [pa.float64(), pa.int64(), pa.uint64(), pa.int32(), pa.bool_()])
@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 1000])
def test_numeric_columns_equal_pyarrow_s(type_, size):
    rng = np.random.default_rng(size)
    values = rng.integers(0, 1000, size).astype(pa.from_numpy_dtype(type_.to_pandas_dtype()).to_pandas_dtype()) \
        if not pa.types.is_boolean(type_) else rng.random(size) < 0.5
    if pa.types.is_floating(type_) and size:
        values = values.astype(float)
        values[0] = np.nan
    mask = rng.random(size) < 0.3
    for null in (None, mask):
        built, expected = numeric(values, type_, mask=null), pa.array(values, type=type_, mask=null)
        built.validate(full=True)
        assert built.type == expected.type and len(built) == len(expected)
        assert built.is_null().to_pylist() == expected.is_null().to_pylist()
        np.testing.assert_array_equal(built.to_numpy(zero_copy_only=False), expected.to_numpy(zero_copy_only=False))
        assert built.null_count == (0 if null is None else int(mask.sum()))


def test_strings_and_id_lists_equal_pyarrow_s():
    names = ["usa", "türkiye", "", "a" * 300]
    built = strings(names)
    built.validate(full=True)
    assert built.equals(pa.array(names, type=pa.string()))
    mask = np.array([[True, False, True, True], [False] * 4, [False, True, False, False]])
    lists = id_lists(built, mask)
    lists.validate(full=True)
    assert lists.to_pylist() == [["usa", "", "a" * 300], [], ["türkiye"]]
    assert id_lists(built, np.zeros((3, 4), dtype=bool)).to_pylist() == [[], [], []]
    assert column(built, pa.string()) is built
    assert column(np.array([1.5, 2.5]), pa.float64()).to_pylist() == [1.5, 2.5]


def test_a_sweep_chunk_is_built_without_pandas_or_scipy_stats(tmp_path):
    """Each loads tens of megabytes into every worker process: a chunk of Vilnius runs needs neither.
    The task is made here, as the sweep's own process makes it, and run in a fresh interpreter."""
    import pickle

    from sim.experiment.load import load_experiment
    from sim.sweeps.runner import _task
    from sim.sweeps.task import Chunk

    experiment = load_experiment(ROOT / "experiments" / "vilnius_sobol.toml")
    (tmp_path / "task.pickle").write_bytes(pickle.dumps(_task(experiment, Chunk(0, 0, 20), "ensemble")))
    script = textwrap.dedent(f"""
        import pickle, sys
        from sim.sweeps.task import run_chunk
        with open({str(tmp_path / "task.pickle")!r}, "rb") as file:
            task = pickle.load(file)
        _, table, _ = run_chunk(task)
        assert table.num_rows == 20
        print(sorted(name for name in ("pandas", "scipy.stats") if name in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_what_pyarrow_refuses_is_refused():
    with pytest.raises(TypeError, match="do not fit"):
        numeric(np.array([1.5, np.nan]), pa.int64())
    with pytest.raises(TypeError, match="do not fit"):
        numeric(np.array([-1]), pa.uint64())
    with pytest.raises(ValueError, match="one dimension"):
        numeric(np.zeros((2, 3)), pa.float64())
    with pytest.raises(ValueError, match="mask of shape"):
        numeric(np.zeros(3), pa.float64(), mask=np.zeros(2, dtype=bool))
    assert numeric(np.array([1, 2], dtype=np.int32), pa.float64()).to_pylist() == [1.0, 2.0]  # a safe cast
    with_none = strings(["a", None, "c"])
    with_none.validate(full=True)
    assert with_none.equals(pa.array(["a", None, "c"], type=pa.string()))


@pytest.mark.parametrize("type_", [pa.float64(), pa.int64(), pa.uint64(), pa.int32(), pa.bool_()])
def test_to_numpy_reads_what_pyarrow_reads(type_):
    from sim.results.arrow import to_numpy

    rng = np.random.default_rng(3)
    for size in (0, 1, 9, 100):
        raw = rng.random(size) < 0.5 if pa.types.is_boolean(type_) else rng.integers(0, 100, size)
        for mask in (None, rng.random(size) < 0.3):
            array = pa.array(raw, type=type_, mask=mask)
            pieces = [array, array.slice(min(3, size)), pa.chunked_array([array, array.slice(1)], type=type_)]
            for piece in pieces:
                got, expected = to_numpy(piece), piece.to_numpy(zero_copy_only=False)
                if expected.dtype == object:  # pyarrow's bools with nulls: None where null
                    expected = np.array([np.nan if v is None else float(v) for v in expected])
                assert got.dtype == expected.dtype or (got.dtype.kind == "f" and expected.dtype.kind == "f"), type_
                np.testing.assert_array_equal(got, expected)


def test_a_streamed_monte_carlo_loads_neither_mesa_nor_pandas_while_it_runs():
    script = textwrap.dedent("""
        import sys
        from sim.cli import main
        seen = []
        import sim.runner
        original = sim.runner._batches
        def watched(*args, **kwargs):
            for item in original(*args, **kwargs):
                seen.append(sorted(name for name in ("mesa", "pandas", "scipy.stats") if name in sys.modules))
                yield item
        sim.runner._batches = watched
        assert main(["run", "scenarios/vilnius_2023.toml", "--runs", "2500", "--quiet", "--json"]) == 0
        print(seen)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[[], [], []]"
