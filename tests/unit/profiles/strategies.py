"""Hypothesis strategies for canonical records: plausible SDI values mixed with junk of every kind."""

from __future__ import annotations

from hypothesis import strategies as st

from harvester.model.dataset import (
    Agent, ContactPoint, Dataset, Distribution, Location, PeriodOfTime, Variable,
)

text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["Jumlah Penduduk", "Kecamatan Sukorejo", "Dinas Kesehatan Kota Blitar", "📊 data",
                     'kutip "ganda" \\ dan\nbaris', "\x01\x02 kontrol", "  "]),
)
nonempty = text.filter(lambda t: bool(t.strip()))
maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731
dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat(timespec="seconds")),
    st.integers(1900, 2100).map(str),
    st.sampled_from(["2024-13", "2024-02-30", "23/09/2024", "kemarin", "2024-05-01T10:00Z", ""]),
)
urls = st.one_of(
    st.sampled_from(["https://data.blitarkota.go.id/dataset/x", "http://example.org/a b.csv",
                     "https://h/é?q=1&r=<2>", "mailto:a@b.c", "bukan url", "urn:x:1", ""]),
    st.text(alphabet="abcxyz/:.-_ %", max_size=20).map(lambda t: "https://h/" + t),
)
codes = lambda *values: st.one_of(st.sampled_from(values), text)  # noqa: E731

agents = st.builds(Agent, name=text, uri=maybe(urls), identifier=maybe(text), email=maybe(text),
                   url=maybe(urls), type=maybe(codes("LocalAuthority", "RegionalAuthority", "public_body")))
contacts = st.builds(ContactPoint, name=maybe(text), email=maybe(st.sampled_from(["a@b.go.id", "junk", ""])),
                     phone=maybe(st.sampled_from(["(0342) 801144", "0812-3456 / 0813", "x", "+62 342 1"])),
                     url=maybe(urls), uri=maybe(urls))
locations = st.builds(
    Location, uri=maybe(urls), label=maybe(text), code=maybe(codes("35.72", "35", "35.72.01", "99.99")),
    bbox=maybe(st.sampled_from(["POLYGON((1 2, 3 4, 5 6, 1 2))", '{"type": "Point", "coordinates": [1, 2]}',
                                "junk", '{"no": "type"}'])),
    geometry=maybe(st.sampled_from(['{"type": "MultiPolygon", "coordinates": [[[[1, 2], [3, 4], [1, 2]]]]}',
                                    "POINT (1 2)", "{bad json"])),
    centroid=maybe(st.sampled_from(["POINT(112.1 -8.1)", '{"type": "Point", "coordinates": [1.5, 2.5]}'])))
distributions = st.builds(
    Distribution, access_url=maybe(urls), download_url=maybe(urls), identifier=maybe(text), uri=maybe(urls),
    title=maybe(text), description=maybe(text), format=maybe(codes("CSV", "XLSX", "PDF", "csv", "Excel")),
    media_type=maybe(st.sampled_from(["text/csv", "application/vnd.ms-excel", "not a type"])),
    byte_size=maybe(st.integers(-10, 10**10)), issued=maybe(dates), modified=maybe(dates),
    license=maybe(codes("cc-by", "http://creativecommons.org/licenses/by/4.0/", "notspecified")),
    rights=maybe(text), access_rights=maybe(codes("TERBATAS")),
    checksum=maybe(st.sampled_from(["sha1:4304cf2e751e6053c90b1804c89c0ebb758f395a", "md5:zz", "crc32:00"])),
    status=maybe(codes("Completed", "http://purl.org/adms/status/Deprecated")),
    language=st.lists(codes("id", "en"), max_size=2).map(tuple),
    conforms_to=st.lists(urls, max_size=2).map(tuple), access_service=maybe(urls))
variables = st.builds(Variable, nama=text, konsep=maybe(text), definisi=maybe(text), tipe_data=maybe(text),
                      satuan=maybe(text), kode_sds=maybe(text))
tuples = lambda s, n=3: st.lists(s, max_size=n).map(tuple)  # noqa: E731

datasets = st.builds(
    Dataset,
    identifier=nonempty, title=nonempty, uri=maybe(urls), type=st.sampled_from(["dataset", "dataset", "series"]),
    description=maybe(text), keywords=tuples(text, 5), themes=tuples(urls),
    landing_page=maybe(urls), issued=maybe(dates), modified=maybe(dates),
    language=tuples(codes("id", "en", "jv"), 2), publisher=maybe(agents), creator=maybe(agents),
    contact_points=tuples(contacts, 2), access_rights=maybe(codes("TERBUKA", "TERBATAS", "TERTUTUP")),
    accrual_periodicity=maybe(codes("TAHUNAN", "BULANAN", "SEKALI")),
    temporal=tuples(st.builds(PeriodOfTime, start=maybe(dates), end=maybe(dates)), 2),
    spatial=tuples(locations, 2), spatial_resolution_m=maybe(st.floats(allow_nan=True, allow_infinity=True)),
    license=maybe(codes("cc-by", "CC_BY_4_0", "other-open")), conforms_to=tuples(st.one_of(urls, text), 2),
    provenance=maybe(text), version=maybe(text), dcat_type=maybe(st.one_of(urls, text)),
    documentation=tuples(urls, 2), alternate_identifiers=tuples(text, 2),
    applicable_legislation=tuples(urls, 2), is_referenced_by=tuples(st.one_of(urls, text), 2),
    source=tuples(urls, 2), in_series=tuples(urls, 1), distributions=tuples(distributions, 3),
    konsep=maybe(text), definisi=maybe(text), klasifikasi=maybe(text), ukuran=maybe(text), satuan=maybe(text),
    walidata_pendukung=maybe(text), pembina_data=maybe(text),
    level_instansi=maybe(codes("KABUPATEN_KOTA", "PROVINSI")), kode_pemda=maybe(codes("35.72")),
    kode_pemda_bps=maybe(codes("3572")), kategori_data=maybe(codes("statistik", "geospasial")),
    jenis_statistik=maybe(codes("STATISTIK_SEKTORAL")), bidang_urusan=tuples(codes("2.16", "1.02", "9.99"), 2),
    topik=tuples(codes("KESEHATAN"), 2), sektor=maybe(codes("KESEHATAN")), jadwal_rilis=tuples(dates, 2),
    tingkat_penyajian=tuples(codes("KECAMATAN", "KABUPATEN_KOTA"), 2), kode_indikator=maybe(text),
    kode_sds=maybe(codes("SP00125.01.00")), cara_pengumpulan=maybe(codes("SURVEI")),
    kegiatan_statistik=maybe(text), rekomendasi_bps=maybe(text), variabel=tuples(variables, 2),
    status_data=maybe(codes("DITAYANGKAN", "DRAFT")), data_prioritas=maybe(st.booleans()),
    data_induk=maybe(st.booleans()), sdgs=tuples(text, 2), pn_rkp=tuples(text, 1), pp_rkp=tuples(text, 1),
    sumber_eksternal=maybe(text), extras=tuples(st.tuples(st.sampled_from(["title", "x_note", "", "sdi_konsep"]),
                                                          text), 2),
)
