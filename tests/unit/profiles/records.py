"""Hand-made canonical records for the profile tests: a rich Kota Blitar dataset, a minimal one,
a series with a member, and a record full of awkward values (odd URLs, unknown codes, bad dates)."""

from __future__ import annotations

from harvester.model.dataset import (
    Agent, ContactPoint, Dataset, Distribution, Location, PeriodOfTime, Variable,
)

WALIDATA = Agent(
    name="Dinas Komunikasi, Informatika dan Statistik Kota Blitar",
    uri="https://data.blitarkota.go.id/organization/diskominfotik",
    identifier="diskominfotik",
    email="diskominfotik@blitarkota.go.id",
    url="https://diskominfotik.blitarkota.go.id",
)
PRODUSEN = Agent(name="Dinas Kependudukan dan Pencatatan Sipil Kota Blitar", identifier="dispendukcapil")

RICH = Dataset(
    identifier="jumlah-penduduk-kecamatan-2024",
    title="Jumlah Penduduk Menurut Kecamatan di Kota Blitar",
    uri="https://data.blitarkota.go.id/dataset/jumlah-penduduk-kecamatan-2024",
    description='Jumlah penduduk "terdaftar" per kecamatan.\nSumber: registrasi Disdukcapil \\ 2024.',
    keywords=("penduduk", "kecamatan", "demografi"),
    themes=("http://publications.europa.eu/resource/authority/data-theme/SOCI",),
    landing_page="https://data.blitarkota.go.id/dataset/jumlah-penduduk",
    issued="2024-01-15",
    modified="2024-06-30T10:20:30+07:00",
    language=("id",),
    publisher=WALIDATA,
    creator=PRODUSEN,
    contact_points=(ContactPoint(name="Bidang Statistik", email="statistik@blitarkota.go.id",
                                 phone="(0342) 801144", url="https://blitarkota.go.id/kontak"),),
    access_rights="TERBUKA",
    accrual_periodicity="TAHUNAN",
    temporal=(PeriodOfTime(start="2019", end="2024"), PeriodOfTime(start="2024-01-01", end="2024-12-31")),
    spatial=(Location(code="35.72"),
             Location(label="Kota Blitar (batas)", bbox="POLYGON((112.14 -8.13, 112.21 -8.13, 112.21 -8.06, 112.14 -8.06, 112.14 -8.13))",
                      centroid='{"type": "Point", "coordinates": [112.17, -8.1]}')),
    spatial_resolution_m=1.5,
    license="http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
    conforms_to=("https://w3id.org/satudata/def/sds/SP00125.01.00", "SNI 8843-1:2019"),
    provenance="Dihimpun dari registrasi penduduk.",
    version="2024.1",
    documentation=("https://data.blitarkota.go.id/docs/penduduk.pdf",),
    alternate_identifiers=("DSSD-3572-001",),
    applicable_legislation=("https://peraturan.bpk.go.id/Details/108813/perpres-no-39-tahun-2019",),
    is_referenced_by=("https://doi.org/10.1038/sdata.2018.22",),
    source=("https://satudata.blitarkota.go.id/api/3/action/package_show?id=jp-2024",),
    distributions=(
        Distribution(access_url="https://data.blitarkota.go.id/dataset/jp/resource/1",
                     download_url="https://data.blitarkota.go.id/files/penduduk 2024.csv",
                     identifier="res-1", title="Tabel penduduk 2024", description="CSV per kecamatan",
                     format="CSV", media_type="text/csv", byte_size=12323, issued="2024-01-15",
                     modified="2024-06-30", checksum="sha1:4304cf2e751e6053c90b1804c89c0ebb758f395a",
                     status="Completed", language=("id",)),
        Distribution(download_url="https://data.blitarkota.go.id/files/penduduk.xlsx", format="XLSX",
                     license="cc-by-sa", rights="Cantumkan sumber.",
                     access_service="https://data.blitarkota.go.id/api/3/action/datastore_search"),
    ),
    konsep="Penduduk", definisi="Orang yang berdomisili di wilayah Kota Blitar.",
    klasifikasi="Kecamatan; Jenis Kelamin", ukuran="Jumlah", satuan="Jiwa",
    walidata_pendukung="Bagian Organisasi Setda Kota Blitar", pembina_data="BPS Kota Blitar",
    level_instansi="KABUPATEN_KOTA", kode_pemda="35.72", kode_pemda_bps="3572",
    kategori_data="statistik", jenis_statistik="STATISTIK_SEKTORAL",
    bidang_urusan=("2.12",), topik=("KEPENDUDUKAN",), sektor="DEMOGRAFI_DAN_KEPENDUDUKAN",
    jadwal_rilis=("2025-03-31",), tingkat_penyajian=("KECAMATAN",), kode_indikator="DSSD-3572-002",
    kode_sds="SP00125.01.00", cara_pengumpulan="KOMPILASI_PRODUK_ADMINISTRASI",
    kegiatan_statistik="MSKEG-2024-17", rekomendasi_bps="V-23.1600.004",
    variabel=(Variable(nama="kecamatan", konsep="Wilayah", definisi="Kecamatan di Kota Blitar", tipe_data="CHARACTER"),
              Variable(nama="jumlah", konsep="Penduduk", definisi="Jumlah penduduk terdaftar", tipe_data="INTEGER",
                       satuan="Jiwa")),
    status_data="DITAYANGKAN", data_prioritas=True, data_induk=False,
    sdgs=("11",), pn_rkp=("PN1",), pp_rkp=("PP1.2",),
    sumber_eksternal="Disdukcapil Kota Blitar",
    extras=(("custom_field", "x"),),
)

MINIMAL = Dataset(identifier="min-1", title="Dataset minimal", description="Hanya judul dan deskripsi.")

SERIES = Dataset(identifier="seri-penduduk", title="Seri penduduk", description="Seri tahunan.", type="series",
                 uri="https://data.blitarkota.go.id/series/penduduk")
MEMBER = Dataset(identifier="penduduk-2023", title="Penduduk 2023", description="Anggota seri.",
                 in_series=("https://data.blitarkota.go.id/series/penduduk",))

AWKWARD = Dataset(
    identifier="odd/id with spaces?&",
    title='Kutip "ganda", backslash \\, tab\t, emoji 📊 dan \x01 kontrol',
    description="Baris 1\r\nBaris 2 \"\"\" tiga kutip",
    keywords=("bad,tag!", "a" * 120, "ok tag"),
    themes=("not an iri", "https://example.org/theme with space"),
    landing_page="ftp-less landing page",
    issued="2024-13-45", modified="kemarin",
    language=("id", "en"),
    publisher=Agent(name="Walidata", type="public_body", email="mailto:walidata@example.go.id"),
    contact_points=(ContactPoint(phone="0342-801144 / 0812 3456 7890 atau xyz"), ContactPoint()),
    access_rights="RAHASIA?", accrual_periodicity="SETIAP ABAD",
    temporal=(PeriodOfTime(start="bukan tanggal"), PeriodOfTime(end="2020-02")),
    spatial=(Location(code="99.99"), Location(geometry='{"type": "GeometryCollection", "geometries": []}'),
             Location(bbox="not wkt")),
    conforms_to=("Standard 1",),
    dcat_type="test-type",
    applicable_legislation=("Perpres 39/2019",),
    is_referenced_by=("test_isreferencedby",),
    distributions=(Distribution(format="FORMAT-ANEH", media_type="not a media type", byte_size=-5,
                                checksum="crc32:zzzz", license="notspecified"),
                   Distribution(title="hanya judul")),
    level_instansi="DESA", tingkat_penyajian=("RT",), bidang_urusan=("9.99",), jadwal_rilis=("segera",),
    kode_sds="SALAH",
)
