"""Analysis of results folders: numbers as DataFrames, figures as matplotlib Figures, an HTML report.

>>> from sim import analysis
>>> results = analysis.load_results("results/vilnius")           # doctest: +SKIP
>>> analysis.numbers.time_to_agreement(results)                   # doctest: +SKIP
>>> analysis.figures.statement_distribution(results, "membership_timing").savefig("x.png")  # doctest: +SKIP
"""

from sim.analysis import figures, numbers
from sim.analysis.plot import FIGURES, Planned, plan, write_figures
from sim.analysis.report import write_report
from sim.analysis.results import Results, load_results

__all__ = ["FIGURES", "Planned", "Results", "figures", "load_results", "numbers", "plan", "write_figures",
           "write_report"]
