"""``harvester preview``: map the first N records of a source and render them, storing nothing.

Works for a configured source (SOURCE_ID) or ad hoc (``--type TYPE --url URL``), with an optional
mapping file to try before it goes live. ``--limit N`` stops the listing after N records without
requesting further pages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, Optional

from harvester.http import HttpClient
from harvester.mapping.codelists import CodeLists
from harvester.mapping.engine import MappingContext
from harvester.model.canonical import to_dict
from harvester.pipeline import assembly
from harvester.pipeline.identity import assign_identity
from harvester.sources.base import GatherContext
from harvester.validate.sdi_rules import validate_sdi

DEFAULT_BASE_URI = "https://example.invalid/satudata"


def run_preview(state: Any, *, source_id: Optional[str], source_type: Optional[str], url: Optional[str],
                mapping_file: Optional[str], limit: int, output: str) -> Iterator[str]:
    """Yield output lines (JSON lines, or one RDF document for turtle/jsonld)."""
    config = state.config if (source_id or Path(state.config_path).is_file()) else None
    settings = config.settings if config is not None else None
    codelists = CodeLists.load()
    if source_id:
        cfg = config.sources[source_id] if source_id in config.sources else None
        if cfg is None:
            state.source_ids((source_id,), False)  # raises the ConfigError listing known sources
        http = assembly.build_http_client(settings, cfg)
        source = assembly.source_from_config(source_id, cfg, http)
        mapping = mapping_file or cfg.mapping_path
        base_dir = None
        stype = cfg.type
    else:
        cfg, stype, source_id = None, source_type, "preview"
        http = HttpClient(getattr(settings, "http", None))
        target = url if "://" in url else Path(url).resolve().as_uri()  # type: ignore[operator]
        source = assembly.build_source(source_id, stype, target, {}, http)  # type: ignore[arg-type]
        mapping, base_dir = mapping_file, None
    mappings_dir = config.mappings_dir if config is not None else None
    path = assembly.resolve_mapping_path(stype, mapping, base_dir=base_dir, mappings_dir=mappings_dir)  # type: ignore[arg-type]
    engine = assembly.build_engine(path, codelists, mappings_dir=mappings_dir)
    variables = assembly.mapping_variables(settings, cfg, source_id)
    policy = assembly.sdi_policy(settings)
    base_uri = getattr(settings, "base_uri", None) or DEFAULT_BASE_URI
    ctx = GatherContext(source_id=source_id, full=True, max_items=limit)
    datasets = []
    try:
        for ref in source.gather(ctx):
            if ref.deleted:
                continue
            record = source.fetch(ref)
            result = engine.map_record(record, MappingContext(source_id, ref.remote_id, variables))
            issues = list(result.issues)
            dataset = result.dataset
            if dataset is not None:
                dataset = assign_identity(dataset, base_uri=base_uri, source_id=source_id, remote_id=ref.remote_id)
                issues.extend(validate_sdi(dataset, policy, codelists))
            if output == "issues":
                for issue in issues:
                    yield json.dumps({"remote_id": ref.remote_id, **issue.as_dict()}, ensure_ascii=False)
            elif dataset is not None:
                datasets.append(dataset)
                line = _render_line(dataset, output, codelists)
                if line is not None:
                    yield line
    finally:
        http.close()
    for issue in ctx.issues:
        if output == "issues":
            yield json.dumps({"remote_id": issue.remote_id, **issue.as_dict()}, ensure_ascii=False)
    if output in ("turtle", "jsonld"):
        from harvester.profiles.dcat_ap import DcatAp3Profile

        fmt = "turtle" if output == "turtle" else "json-ld"
        yield DcatAp3Profile(codelists).serialize(datasets, fmt).decode("utf-8")


def _render_line(dataset: Any, output: str, codelists: CodeLists) -> Optional[str]:
    if output == "canonical":
        return json.dumps(to_dict(dataset), ensure_ascii=False, sort_keys=True)
    if output == "sdi":
        from harvester.profiles.sdi import SdiProfile

        return json.dumps(SdiProfile().render(dataset), ensure_ascii=False, sort_keys=True)
    if output == "ckan":
        from harvester.profiles.ckan_package import CkanPackageProfile

        return json.dumps(CkanPackageProfile(codelists).render(dataset, flavour="plain"), ensure_ascii=False,
                          sort_keys=True)
    return None
