from harvester.model import Dataset
from harvester.pipeline.identity import assign_identity, mint_uri


def test_original_http_uri_is_kept():
    ds = Dataset(identifier="x", title="T", uri="https://data.example.go.id/dataset/x")
    assert assign_identity(ds, base_uri="https://b", source_id="s", remote_id="x").uri == ds.uri


def test_remote_http_id_used_when_mapping_gave_none():
    ds = Dataset(identifier="x", title="T")
    out = assign_identity(ds, base_uri="https://b", source_id="s", remote_id="http://cat.example/ds/1")
    assert out.uri == "http://cat.example/ds/1"


def test_minted_uri_is_stable_and_path_safe():
    ds = Dataset(identifier="", title="T", uri="urn:uuid:1")
    out = assign_identity(ds, base_uri="https://data.blitarkota.go.id/", source_id="dinkes", remote_id="a/b c")
    assert out.uri == "https://data.blitarkota.go.id/dataset/dinkes/a%2Fb%20c"
    assert out.identifier == "a/b c"
    assert mint_uri("https://d", "s", "r") == mint_uri("https://d", "s", "r")
