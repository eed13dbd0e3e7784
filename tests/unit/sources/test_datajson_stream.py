"""The datajson source's streamed reading of the ``dataset`` array: datasets before a late syntax
error are yielded and the listing then fails naming the URL and the position; a repeated ``dataset``
key lists both arrays; syntax errors are worded and placed exactly as ``json.loads`` words them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import pytest

from harvester.errors import SourceError, SourceProtocolError
from harvester.http import HttpClient, HttpPolicy, HttpResponse
from harvester.model.record import RemoteRef
from harvester.sources.base import GatherContext
from harvester.sources.datajson import DataJsonOptions, DataJsonSource
from harvester.sources.json_body import decode_json


def make(url: str, **options: Any) -> DataJsonSource:
    http = HttpClient(HttpPolicy(retries=0, backoff=0.01, read_timeout=5), sleep=lambda s: None)
    return DataJsonSource("aceh", DataJsonOptions(url=url, **options), http)


def ctx() -> GatherContext:
    cursors: list[dict[str, Any]] = []
    context = GatherContext(source_id="aceh", on_page=cursors.append)
    context.cursors = cursors  # type: ignore[attr-defined]
    return context


def run(source: DataJsonSource, context: GatherContext) -> tuple[list[RemoteRef], Optional[SourceError]]:
    """Everything the gather yielded, and the error it ended with (None when it finished)."""
    refs: list[RemoteRef] = []
    try:
        for ref in source.gather(context):
            refs.append(ref)
    except SourceError as exc:
        return refs, exc
    return refs, None


def loads_error(raw: bytes) -> json.JSONDecodeError:
    """The error ``json.loads`` raises for ``raw`` (decoded as the source decodes it: UTF-8, BOM dropped)."""
    with pytest.raises(json.JSONDecodeError) as err:
        json.loads(raw.decode("utf-8-sig"))
    return err.value


def where(exc: json.JSONDecodeError) -> str:
    return f"{exc.msg} at line {exc.lineno} column {exc.colno} (char {exc.pos} of {len(exc.doc)})"


def ds(ident: str, **extra: Any) -> dict[str, Any]:
    return {"identifier": ident, "title": f"Data {ident}", **extra}


# -- a syntax error after the dataset array -----------------------------------------------------------

def test_late_syntax_error_yields_earlier_datasets_then_fails_naming_url_and_position(http_server) -> None:
    datasets = json.dumps([ds("a"), ds("b"), ds("c", modified="2024-05-01")], indent=1)
    body = ('{"conformsTo": "https://project-open-data.cio.gov/v1.1/schema",\n"dataset": ' + datasets
            + ',\n"describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json"\n'
            '"@type": "dcat:Catalog"\n}\n').encode()
    http_server.add("/data.json", body, content_type="application/json")
    url = http_server.url("/data.json")
    context = ctx()
    refs, error = run(make(url), context)

    assert [r.remote_id for r in refs] == ["a", "b", "c"]
    assert refs[2].modified == "2024-05-01" and json.loads(refs[0].payload) == ds("a")
    assert isinstance(error, SourceProtocolError)
    expected = loads_error(body)
    assert expected.msg == "Expecting ',' delimiter" and expected.lineno > 10  # really after the array
    message = str(error)
    assert url in message and "'aceh'" in message and "data.json is not valid JSON" in message
    assert where(expected) in message
    assert error.url == url
    # The listing failed as a whole: no page was reported done (no checkpoint, no deletions follow).
    assert context.cursors == []  # type: ignore[attr-defined]


def test_unterminated_document_after_the_array(http_server) -> None:
    body = json.dumps({"dataset": [ds("a"), ds("b")], "catalog": []}).encode()[:-1]  # no closing brace
    http_server.add("/data.json", body, content_type="application/json")
    refs, error = run(make(http_server.url("/data.json")), ctx())
    assert [r.remote_id for r in refs] == ["a", "b"]
    assert isinstance(error, SourceProtocolError) and where(loads_error(body)) in str(error)


def test_bad_catalog_member_after_the_array_fails_after_the_datasets(http_server) -> None:
    body = json.dumps({"dataset": [ds("a")], "catalog": {"dataset": [ds("b")]}})
    http_server.add("/data.json", body, content_type="application/json")
    url = http_server.url("/data.json")
    context = ctx()
    refs, error = run(make(url), context)
    assert [r.remote_id for r in refs] == ["a"]
    assert isinstance(error, SourceProtocolError)
    assert "'catalog' is a JSON dict, not a list" in str(error) and url in str(error)
    assert context.cursors == []  # type: ignore[attr-defined]


def test_error_inside_the_array_keeps_the_datasets_before_it(http_server) -> None:
    body = b'{"dataset": [' + json.dumps(ds("a")).encode() + b', {"identifier": "b", "title": tru}]}'
    http_server.add("/data.json", body, content_type="application/json")
    refs, error = run(make(http_server.url("/data.json")), ctx())
    assert [r.remote_id for r in refs] == ["a"]
    assert isinstance(error, SourceProtocolError) and where(loads_error(body)) in str(error)


def test_a_valid_document_reports_its_page_done(http_server) -> None:
    """The control case: the same shape, well-formed, completes and reports the page."""
    body = json.dumps({"conformsTo": "x", "dataset": [ds("a"), ds("b")], "describedBy": "y"})
    http_server.add("/data.json", body, content_type="application/json")
    url = http_server.url("/data.json")
    context = ctx()
    refs, error = run(make(url), context)
    assert error is None and [r.remote_id for r in refs] == ["a", "b"]
    assert context.complete and context.cursors == [{"url": url, "done": True}]  # type: ignore[attr-defined]


# -- repeated dataset key ------------------------------------------------------------------------------------

def test_repeated_dataset_key_lists_both_arrays(http_server) -> None:
    body = ('{"dataset": [' + json.dumps(ds("a")) + "," + json.dumps(ds("b")) + '],'
            ' "title": "Katalog", "dataset": [' + json.dumps(ds("c")) + "," + json.dumps(ds("a")) + "]}")
    assert [d["identifier"] for d in json.loads(body)["dataset"]] == ["c", "a"]  # json.loads keeps the last
    http_server.add("/data.json", body, content_type="application/json")
    context = ctx()
    refs, error = run(make(http_server.url("/data.json")), context)
    assert error is None
    assert [r.remote_id for r in refs] == ["a", "b", "c"]  # both arrays; "a" again is a duplicate
    assert [i.code for i in context.issues] == ["GATHER-DUPLICATE-ID"]


def test_repeated_dataset_key_with_series_and_nested_catalogue(http_server) -> None:
    body = ('{"dataset": [' + json.dumps(ds("a")) + '], "catalog": [{"dataset": [' + json.dumps(ds("n")) + ']}],'
            ' "datasetSeries": [' + json.dumps(ds("s", seriesMember=[ds("m")])) + '],'
            ' "dataset": [' + json.dumps(ds("b")) + "]}")
    http_server.add("/data.json", body, content_type="application/json")
    refs, error = run(make(http_server.url("/data.json")), ctx())
    assert error is None
    ids = [r.remote_id for r in refs]
    assert sorted(ids) == ["a", "b", "m", "n", "s"] and ids[0] == "a"
    assert dict(next(r for r in refs if r.remote_id == "m").meta) == {"in_series": "s"}


# -- error wording and position match json.loads --------------------------------------------------------

BROKEN = {
    "trailing comma in array": b'{"dataset": [{"identifier": "a"}, {"identifier": "b"},]}',
    "trailing comma in object": b'{"dataset": [{"identifier": "a"}], }',
    "missing comma between members": b'{"dataset": [{"identifier": "a"}] "x": 1}',
    "extra data": b'{"dataset": [{"identifier": "a"}]} x',
    "extra closing brace": b'{"dataset": [{"identifier": "a"}]}}',
    "bad value after array": b'{"dataset": [], "x": tru}',
    "unclosed array member": b'{"dataset": [{"identifier": "a"}], "catalog": [}',
    "missing colon": b'{"dataset" [{"identifier": "a"}]}',
    "no property name": b'{,"dataset": []}',
    "single-quoted key": b"{'dataset': []}",
    "truncated inside array": b'{"dataset": [{"identifier": "a"}, {"identifier": ',
    "truncated after key": b'{"dataset":',
    "bare list trailing comma": b'[{"identifier": "a"},\n {"identifier": "b"},\n]',
    "bare list missing comma": b'[{"identifier": "a"} {"identifier": "b"}]',
    "bare list extra data": b'[{"identifier": "a"}] []',
    "multi-line late error": b'{\n  "dataset": [\n    {"identifier": "a"},\n    {"identifier": "b"}\n  ],\n'
                             b'  "describedBy": "x",\n  "@type": nul\n}\n',
    "non-ASCII before the error": '{"dataset": [{"identifier": "a", "title": "Jawa Barat \u2014 \u00fc"}], x}'
                                  .encode(),
    "BOM and error": b'\xef\xbb\xbf{"dataset": [{"identifier": "a"}],}',
    "CRLF lines": b'{\r\n"dataset": [\r\n{"identifier": "a"}\r\n]\r\n"x": 1}',
    "invalid escape": b'{"dataset": [{"identifier": "a\\q"}]}',
    "control character in string": b'{"dataset": [{"identifier": "a\x01"}]}',
    "non-JSON whitespace": b'{"dataset":\xc2\xa0[]}',
    "NaN-like word": b'{"dataset": [{"identifier": "a", "n": nan}]}',
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_error_wording_matches_json_loads(name: str, http_server) -> None:
    body = BROKEN[name]
    http_server.add("/data.json", body, content_type="application/json")
    url = http_server.url("/data.json")
    _, error = run(make(url), ctx())
    expected = loads_error(body)
    assert isinstance(error, SourceProtocolError)
    assert where(expected) in str(error) and url in str(error)
    # The same wording as the non-streamed reading of a JSON page (json-api, ckan): one message style.
    with pytest.raises(SourceProtocolError) as whole:
        decode_json("aceh", HttpResponse(url=url, status=200, headers={}, content=body), what="data.json")
    assert str(whole.value) == str(error)


VALID = (
    '{"@type": "dcat:Catalog", "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",\n'
    ' "dataset": [\n  {"identifier": "a", "title": "A", "keyword": ["x", "y"], "n": 1.5e3},\n'
    '  {"identifier": "b", "title": "B \u00fc", "distribution": [{"downloadURL": "http://x/b.csv"}]},\n'
    '  {"identifier": "c", "title": "C", "spatial": null, "flag": true}\n ],\n'
    ' "catalog": [{"dataset": [{"identifier": "d", "title": "D"}]}],\n'
    ' "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json"}\n'
)


def test_every_truncation_and_corruption_fails_like_json_loads(tmp_path: Path) -> None:
    """Cut the catalogue at every position and overwrite every position with a stray character:
    whenever ``json.loads`` rejects the text, the listing fails with its message and position, and
    what was yielded before is a prefix of the full listing."""
    path = tmp_path / "data.json"
    source = make(path.as_uri())
    path.write_text(VALID, encoding="utf-8")
    full, error = run(source, ctx())
    assert error is None and [r.remote_id for r in full] == ["a", "b", "c", "d"]
    full_ids = [r.remote_id for r in full]

    variants = [VALID[:n] for n in range(1, len(VALID))]
    variants += [VALID[:n] + stray + VALID[n + 1:] for n in range(1, len(VALID)) for stray in ("}", ",", "x")]
    checked = 0
    for text in variants:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            expected: Optional[json.JSONDecodeError] = exc
        else:
            expected = None
        path.write_text(text, encoding="utf-8")
        refs, error = run(source, ctx())
        if expected is None:
            assert error is None or "not valid JSON" not in str(error), text
            continue
        checked += 1
        assert isinstance(error, SourceProtocolError), text
        assert where(expected) in str(error), (text, str(error))
        ids = [r.remote_id for r in refs]
        assert ids == full_ids[:len(ids)], text
    assert checked > len(VALID)  # most variants are broken: the comparison really ran


def test_every_repeated_dataset_array_is_listed(http_server) -> None:
    body = '{"dataset": [' + '], "dataset": ['.join(json.dumps(ds(i)) for i in "abc") + "]}"
    http_server.add("/data.json", body, content_type="application/json")
    refs, error = run(make(http_server.url("/data.json")), ctx())
    assert error is None and [r.remote_id for r in refs] == ["a", "b", "c"]
