"""harvester.logs: plain/JSON lines, context keys, secret masking, idempotent set-up."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from harvester.logs import SecretMasker, context_logger, setup_logging

pytestmark = pytest.mark.usefixtures("restore_logging")
log = logging.getLogger("harvester.test.logs")


def test_json_lines_with_context() -> None:
    stream = io.StringIO()
    setup_logging("DEBUG", json=True, stream=stream)
    job_log = context_logger(log, source_id="dinkes-sipd", job_id=42)
    job_log.info("gathered %d records", 7)
    context_logger(job_log, remote_id="1.02.01.0001").warning("no definisi")
    log.error("plain", extra={"target_id": "kota"})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 3
    first, second, third = lines
    assert first["level"] == "INFO" and first["logger"] == "harvester.test.logs"
    assert first["message"] == "gathered 7 records"
    assert (first["source_id"], first["job_id"]) == ("dinkes-sipd", 42) and "remote_id" not in first
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert (second["source_id"], second["job_id"], second["remote_id"]) == ("dinkes-sipd", 42, "1.02.01.0001")
    assert third["target_id"] == "kota" and "source_id" not in third


def test_json_exception_is_one_line() -> None:
    stream = io.StringIO()
    setup_logging("INFO", json=True, stream=stream)
    try:
        raise ValueError("bad value")
    except ValueError:
        log.exception("failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["message"] == "failed" and "ValueError: bad value" in record["exc"]


def test_plain_format_shows_context() -> None:
    stream = io.StringIO()
    setup_logging("INFO", stream=stream)
    context_logger(log, source_id="katalog", job_id=3).info("done")
    log.debug("hidden at INFO")
    out = stream.getvalue()
    assert " INFO harvester.test.logs [source=katalog job=3] done" in out
    assert "hidden" not in out


def test_call_site_extra_wins_and_none_is_dropped() -> None:
    stream = io.StringIO()
    setup_logging("INFO", json=True, stream=stream)
    context_logger(log, source_id="a", remote_id=None).info("x", extra={"source_id": "b"})
    record = json.loads(stream.getvalue())
    assert record["source_id"] == "b" and "remote_id" not in record


def test_secret_values_masked_in_message_args_and_exception() -> None:
    stream = io.StringIO()
    setup_logging("INFO", secrets=["tok-9f8e7d6c5b", "pw-abcdef"], stream=stream)
    log.info("using %s", "tok-9f8e7d6c5b")
    log.info("login pw-abcdef failed for %(user)s", {"user": "harvester"})
    try:
        raise RuntimeError("server said: invalid key tok-9f8e7d6c5b")
    except RuntimeError:
        log.exception("push failed")
    context_logger(log, remote_id="rec-tok-9f8e7d6c5b").info("ctx")
    out = stream.getvalue()
    assert "tok-9f8e7d6c5b" not in out and "pw-abcdef" not in out
    assert "using ***" in out and "login *** failed for harvester" in out
    assert "invalid key ***" in out and "remote=rec-***" in out


@pytest.mark.parametrize("text,leak", [
    ("headers={'Authorization': 'Bearer abc.def.ghi'}", "abc.def.ghi"),
    ("Authorization: Token 0123456789", "0123456789"),
    ("X-CKAN-API-Key: k-7766", "k-7766"),
    ("GET https://sipd.go.id/serv?kodepemda=3572&token=zz99yy&tahun=2024", "zz99yy"),
    ("GET https://api.example/x?api_key=AKIA123", "AKIA123"),
    ("postgresql://harvester:pgsecret@127.0.0.1/h", "pgsecret"),
])
def test_secret_looking_fragments_masked_without_configuration(text: str, leak: str) -> None:
    masked = SecretMasker().mask(text)
    assert leak not in masked and "***" in masked


def test_masker_keeps_ordinary_text() -> None:
    text = "GET https://sipd.go.id/serv?kodepemda=3572&tahun=2024 -> 200 (Authorization header not sent)"
    assert SecretMasker(["abc"]).mask(text).startswith("GET https://sipd.go.id/serv?kodepemda=3572&tahun=2024 -> 200")
    assert "kodepemda=3572" in SecretMasker().mask(text)


def test_setup_twice_replaces_its_own_handlers_only() -> None:
    root = logging.getLogger()
    foreign = logging.NullHandler()
    root.addHandler(foreign)
    first, second = io.StringIO(), io.StringIO()
    setup_logging("INFO", stream=first)
    setup_logging("INFO", stream=second)
    log.info("once")
    ours = [h for h in root.handlers if getattr(h, "_satudata_handler", False)]
    assert len(ours) == 1 and foreign in root.handlers
    assert first.getvalue() == "" and second.getvalue().count("once") == 1


def test_log_file(tmp_path: Path) -> None:
    path = tmp_path / "h.log"
    setup_logging("INFO", json=True, secrets=["filesecret1"], file=str(path), stream=io.StringIO())
    log.info("to file filesecret1")
    for handler in logging.getLogger().handlers:
        handler.flush()
    record = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert record["message"] == "to file ***"


def test_unknown_level_rejected() -> None:
    with pytest.raises(ValueError):
        setup_logging("LOUD", stream=io.StringIO())
