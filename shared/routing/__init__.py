"""Classification (conditions, rules) and queue operating hours.

Only the storage-free pieces are imported here, so ``shared.workstreams`` can import them
without pulling in the router (which imports workstreams).
"""

from .conditions import Condition, RoutingContext
from .hours import Holiday, HoursStatus, OperatingHours, WeeklyWindow
from .rules import RoutingRule, check_rule_names_unique, classify

__all__ = [
    "Condition",
    "Holiday",
    "HoursStatus",
    "OperatingHours",
    "RoutingContext",
    "RoutingRule",
    "WeeklyWindow",
    "check_rule_names_unique",
    "classify",
]
