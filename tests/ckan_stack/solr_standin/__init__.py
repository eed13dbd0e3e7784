"""A TEST-ONLY stand-in for Apache Solr, used by the CKAN test stack (``tests/ckan_stack``).

Solr cannot be installed on the development machines, so the CKAN 2.12 instances of the test
stack talk to this small HTTP server instead. CKAN, PostgreSQL and Redis in that stack are real;
only search is imitated. It speaks the subset of Solr that CKAN 2.12 uses (schema version check,
``select`` with ``q``/``fq``/``fl``/``sort``/``rows``/``start``/facets, JSON/XML ``update``) with
Lucene query evaluation through ``luqum``. Text analysis is simplified (lower-case, ASCII folding,
split on non-alphanumerics; no stemming, no synonyms), relevance is not computed (``score desc``
keeps index order) and documents live in memory. Never use it outside tests.
"""

from .server import StandinServer, main, serve_in_thread

__all__ = ["StandinServer", "main", "serve_in_thread"]
