"""WSGI entry point gunicorn loads (inside the CKAN virtualenv) for one test-stack instance.

Duty: build CKAN's WSGI application from the ini named by ``$CKAN_INI``. Failure behaviour: any
configuration error propagates, so gunicorn exits and the harness reports the log tail.
Imported only by gunicorn in the CKAN venv, never by the project's tests.
"""

import os

from ckan.cli import load_config
from ckan.config.middleware import make_app

application = make_app(load_config(os.environ["CKAN_INI"]))
