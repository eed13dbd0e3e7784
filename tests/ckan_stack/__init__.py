"""A real CKAN 2.12 stack for the tests: three portals (city, province, national).

CKAN, PostgreSQL and Redis are real; Solr is replaced by a small TEST-ONLY stand-in
(``tests.ckan_stack.solr_standin``) because Solr cannot be installed on the development machines.

Use ``python -m tests.ckan_stack up|down|status`` by hand, or the session fixture ``ckan_stack``
from ``tests.ckan_stack.pytest_plugin``. See ``stack.py`` for the lifecycle.
"""

from .procs import StackError
from .stack import NAMES, down, running_info, status, up

__all__ = ["NAMES", "StackError", "down", "running_info", "status", "up"]
