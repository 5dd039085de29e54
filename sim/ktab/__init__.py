"""KTAB's Spatial Model of Politics, re-derived: its maths and its turn-by-turn dynamics.

- :mod:`sim.ktab.smp_math`: KTAB's parameters and its equations under KTAB's names;
- :mod:`sim.ktab.smp`: one turn and a run to KTAB's stopping rule, as records;
- :mod:`sim.ktab.batch`: one turn for many replicates at once (what the protocol calls);
- the compiled kernels, one implementation of each equation: :mod:`~sim.ktab.elections`
  (votes, coalitions, PCE), :mod:`~sim.ktab.assessment` (distances, utilities, risk),
  :mod:`~sim.ktab.challenges` (challenges, bargains), :mod:`~sim.ktab.bargaining`
  (elections among bargains), :mod:`~sim.ktab.numpy_sum` (NumPy's summation order).
"""
