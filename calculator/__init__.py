"""Low back pain treatment cost comparison: the engine (no Streamlit here).

Define (``models``, ``io``) → evaluate (``costing``, ``uncertainty``, ``budget``) → present
(``charts``, ``report``, the command line).
"""

from .costing import Comparison, compare
from .errors import AnalysisError, CostModelError, InputError
from .io import load_scenario

__all__ = ["AnalysisError", "Comparison", "CostModelError", "InputError", "compare", "load_scenario"]
__version__ = "0.1.0"
