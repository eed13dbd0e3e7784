"""The read-only DCAT feed (WSGI): what provincial and national portals, EU-style aggregators and
anyone else harvest from this daemon. Renders stored canonical records; never harvests.

Served by ``harvester run`` (next to the scheduler) and alone by ``harvester serve``. Routes and
behaviour are listed in ``harvester.feed.app``; the module map:

* ``app`` — ``FeedApp`` (routing, errors) and ``FeedConfig``; ``context`` — shared services;
* ``catalog`` / ``changes`` / ``sdi_api`` / ``openapi`` — route handlers;
* ``pageflow`` — snapshot → ETag → 304 → page cache → page index → rows → render, for every listing;
* ``paging`` — page-number → keyset index, Hydra triples; ``queries`` — SQL on the store's tables;
* ``render`` — records → RDF chunks (cached per record) → documents and streaming dumps;
* ``formats`` / ``jsonld_writer`` / ``rdfxml_writer`` — streaming writers of the four syntaxes;
* ``negotiate`` / ``filters`` / ``conditional`` / ``compress`` / ``cache`` / ``wsgi`` — HTTP details.

Access rule: only records whose access level the feed allows are served (TERBUKA, plus TERBATAS
when ``feed.include_terbatas`` is set); TERTUTUP never, nor records without an access level.
"""
