"""Secrets (tokens, passwords) never appear in repr, str, JSON dumps, summaries or logs."""

from __future__ import annotations

import io
import json
import logging

import pytest

from harvester.logs import SecretMaskFilter, setup_logging
from harvester.settings import load_settings, validate_config
from tests.unit.config.conftest import ConfigTree

TOKEN = "ckan-token-5f2b9c81d7"
SIPD = "sipd-bearer-0a9b8c7d"
SMTP = "smtp-pass-77x1"
DBPW = "db-pass-3k9q"


@pytest.fixture
def secret_tree(tree: ConfigTree, probe_type: str) -> ConfigTree:
    tree.write("sources/s.yaml", "type: probe\nurl: https://x.id/\nhttp:\n  auth: {type: bearer, token: '${SIPD_TOKEN}'}\n")
    tree.write("targets/kota.yaml", "type: ckan\nlevel: city\nurl: https://ckan.example\ntoken: ${CKAN_CITY_TOKEN}\n")
    mapping = tree.root.parent / "maps" / "probe" / "default.yaml"
    mapping.parent.mkdir(parents=True)
    mapping.write_text("name: probe\n", encoding="utf-8")
    tree.settings(f"""
        database: {{url: "postgresql+psycopg://harvester:{DBPW}@127.0.0.1:5432/h"}}
        notifications:
          smtp: {{host: smtp.example.go.id, username: h, password: "${{SMTP_PASSWORD}}", from: h@example.go.id}}
        mappings_dir: ../maps
    """)
    return tree


ENV = {"CKAN_CITY_TOKEN": TOKEN, "SIPD_TOKEN": SIPD, "SMTP_PASSWORD": SMTP}


def test_secrets_are_collected(secret_tree: ConfigTree) -> None:
    loaded = load_settings(secret_tree.path, env=ENV)
    assert set(loaded.secrets()) == {TOKEN, SIPD, SMTP, DBPW}


def test_secrets_absent_from_repr_str_and_dumps(secret_tree: ConfigTree) -> None:
    loaded = load_settings(secret_tree.path, env=ENV)
    target, source = loaded.targets["kota"], loaded.sources["s"]
    texts = [
        repr(target), str(target), target.model_dump_json(), json.dumps(target.model_dump(mode="json")),
        repr(source), str(source), source.model_dump_json(), repr(source.http_policy),
        repr(loaded.settings.notifications), loaded.settings.notifications.model_dump_json(),  # type: ignore[union-attr]
        json.dumps(loaded.effective()),
    ]
    for text in texts:
        for secret in (TOKEN, SIPD, SMTP):
            assert secret not in text
    assert DBPW not in json.dumps(loaded.effective())


def test_validate_config_output_has_no_secret(secret_tree: ConfigTree) -> None:
    lines = "\n".join(validate_config(secret_tree.path, env=ENV))
    assert "kota [ckan, city" in lines  # the summary did describe the target
    for secret in (TOKEN, SIPD, SMTP, DBPW):
        assert secret not in lines


def test_mask_filter_on_caplog(secret_tree: ConfigTree, caplog: pytest.LogCaptureFixture) -> None:
    loaded = load_settings(secret_tree.path, env=ENV)
    caplog.handler.addFilter(SecretMaskFilter(loaded.secrets()))
    log = logging.getLogger("harvester.targets.ckan")
    with caplog.at_level(logging.INFO):
        log.info("POST with token %s to %s", TOKEN, "https://ckan.example/api/3/action/package_create")
        log.warning("smtp login failed for password=%s", SMTP)
    joined = "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in joined and SMTP not in joined
    assert "POST with token *** to https://ckan.example/api/3/action/package_create" in joined


@pytest.mark.usefixtures("restore_logging")
def test_setup_logging_masks_config_secrets(secret_tree: ConfigTree) -> None:
    loaded = load_settings(secret_tree.path, env=ENV)
    stream = io.StringIO()
    setup_logging("INFO", json=True, secrets=loaded.secrets(), stream=stream)
    logging.getLogger("harvester.pipeline.runner").info("effective config: %s", loaded.effective())
    logging.getLogger("harvester.http").error("bearer %s refused by sipd", SIPD)
    out = stream.getvalue()
    assert "refused by sipd" in out
    for secret in (TOKEN, SIPD, SMTP, DBPW):
        assert secret not in out
