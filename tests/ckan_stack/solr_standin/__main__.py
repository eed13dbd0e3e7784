"""``python -m tests.ckan_stack.solr_standin``: run the TEST-ONLY Solr stand-in (see server.main)."""

import sys

from .server import main

sys.exit(main())
