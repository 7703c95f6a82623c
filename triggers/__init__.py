"""Function entry points: one Blueprint per surface, each a thin adapter over ``shared``.

Importing the package loads and checks the settings (``runtime``), so the host fails at
start-up, naming the bad setting, before any function is indexed.
"""

from . import runtime as runtime
