"""Validation of harvested metadata: SDI rules on the canonical record, SHACL shapes on output RDF.

* ``validate_sdi(dataset, policy, codelists)`` — spec §12 rules (``SDI-Vnn`` issues), see RULES.md.
* ``validate_graph(graph, shapes=("sdi",), extra_shapes=())`` — SHACL (``SHACL-*`` issues).

``validate_graph`` imports pyshacl lazily, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harvester.validate.rules_base import SdiPolicy
from harvester.validate.sdi_rules import RULES, validate_sdi

if TYPE_CHECKING:
    from harvester.validate.shacl import validate_graph

__all__ = ["RULES", "SdiPolicy", "validate_graph", "validate_sdi"]


def __getattr__(name: str) -> Any:
    if name == "validate_graph":
        from harvester.validate.shacl import validate_graph

        return validate_graph
    raise AttributeError(name)
