"""SDI rules V01, V02, V03, V05, V18, V19, V22 and the runner behaviour (issue shape, rules_off, crashes)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from harvester.model.dataset import Agent, ContactPoint, Variable
from harvester.model.issues import Severity, Stage
from harvester.validate import RULES, validate_sdi
from harvester.validate.rules_agents import agent_matches, name_key
from tests.unit.validate.conftest import blitar_policy, codes, good_dataset


def test_good_dataset_has_no_issues(check):
    assert check() == []


def test_issue_shape_is_complete(check):
    [issue] = check(satuan=None)
    assert issue.code == "SDI-V02" and issue.severity is Severity.ERROR and issue.field == "satuan"
    assert issue.stage is Stage.VALIDATE and issue.remote_id == "penduduk-kecamatan-2024"
    assert issue.hint_id.startswith("Isi Satuan (misalnya: Orang, Persen, Ton")
    assert issue.hint_en and "unit" in issue.hint_en


@pytest.mark.parametrize("value", ["", "   ", "-", "...", "null", "N/A", "NaN", None])
def test_v01_blank_titles_are_errors(check, value):
    assert codes(check(title=value)) == [("SDI-V01", "error", "title")]


def test_v01_description_missing(check):
    assert codes(check(description=None)) == [("SDI-V01", "error", "description")]


@pytest.mark.parametrize("name", ["konsep", "definisi", "klasifikasi", "ukuran", "satuan"])
def test_v02_each_component_required(check, name):
    assert codes(check(**{name: " "})) == [("SDI-V02", "error", name)]


def test_v02_tanpa_satuan_is_a_valid_unit(check):
    assert check(satuan="(tanpa Satuan)") == []


@pytest.mark.parametrize("text", ["Klasifikasi berdasarkan analisis atau sesuai kebutuhan",
                                  "KLASIFIKASI  BERDASARKAN ANALISIS atau sesuai kebutuhan.",
                                  "sesuai kebutuhan"])
def test_v02_placeholder_klasifikasi_warns(check, text):
    assert codes(check(klasifikasi=text)) == [("SDI-V02", "warning", "klasifikasi")]


def test_v03_missing_produsen(check):
    assert codes(check(creator=None)) == [("SDI-V03", "error", "creator")]
    assert codes(check(creator=Agent(name=""))) == [("SDI-V03", "error", "creator")]


def test_v03_unregistered_opd_is_error_only_with_a_register(check):
    stranger = Agent(name="Dinas Pariwisata Kota Kediri")
    issues = check(creator=stranger)
    assert codes(issues) == [("SDI-V03", "error", "creator")]
    assert "Dinas Pariwisata Kota Kediri" in issues[0].message
    assert check(creator=stranger, policy=blitar_policy(organisations=())) == []


def test_v03_register_matches_identifier_and_abbreviation(check):
    policy = blitar_policy(organisations=("dispendukcapil",))
    assert check(policy=policy, creator=Agent(name="Disdukcapil", identifier="dispendukcapil")) == []
    policy = blitar_policy(organisations=("Dinas Kependudukan dan Pencatatan Sipil Kota Blitar",))
    assert check(policy=policy, creator=Agent(name="Dispendukcapil Kota Blitar")) == []


def test_v05_missing_walidata(check):
    assert codes(check(publisher=None)) == [("SDI-V05", "error", "publisher")]


@pytest.mark.parametrize("name", ["Diskominfotik Kota Blitar", "DISKOMINFOTIK KOTA BLITAR",
                                  "Dinas Komunikasi Informatika dan Statistik Kota Blitar",
                                  "dinas komunikasi,  informatika & statistik kota blitar",
                                  "Diskominfotik"])
def test_v05_walidata_spelling_tolerance(check, name):
    assert check(publisher=Agent(name=name)) == []


def test_v05_wrong_walidata(check):
    issues = check(publisher=Agent(name="Dinas Kependudukan dan Pencatatan Sipil Kota Blitar"))
    assert codes(issues) == [("SDI-V05", "error", "publisher")]
    assert "Dinas Kependudukan" in issues[0].message and "Kota Blitar" in issues[0].hint_id


def test_v05_other_city_walidata_does_not_match(check):
    assert codes(check(publisher=Agent(name="Diskominfotik Kota Kediri"))) == [("SDI-V05", "error", "publisher")]


def test_v05_uri_alias(check):
    policy = blitar_policy(walidata_aliases=("https://data.blitarkota.go.id/org/diskominfotik",))
    agent = Agent(name="Walidata", uri="https://data.blitarkota.go.id/org/diskominfotik/")
    assert check(policy=policy, publisher=agent) == []


def test_name_key_expands_abbreviations():
    assert name_key("Diskominfotik Kota Blitar") == name_key("Dinas Komunikasi, Informatika dan Statistik Kota Blitar")
    assert name_key("Kab. Blitar") == ("kabupaten", "blitar")
    assert not agent_matches(Agent(name="Dinas Kesehatan"), ["Dinas Komunikasi dan Informatika"])


def test_v18_sectoral_survey_needs_mskeg_and_rekomendasi(check):
    issues = check(cara_pengumpulan="SURVEI")
    assert codes(issues) == [("SDI-V18", "warning", "kegiatan_statistik"), ("SDI-V18", "warning", "rekomendasi_bps")]
    assert check(cara_pengumpulan="SURVEI", kegiatan_statistik="mskeg-123", rekomendasi_bps="V-23.1600.004") == []
    assert check(cara_pengumpulan="SURVEI", jenis_statistik="STATISTIK_DASAR") == []


def test_v19_variables(check):
    variabel = (Variable(nama="jumlah_penduduk", konsep="Penduduk"), Variable(nama=" "))
    issues = check(variabel=variabel)
    assert codes(issues) == [("SDI-V19", "warning", "variabel.definisi"), ("SDI-V19", "warning", "variabel.tipe_data"),
                             ("SDI-V19", "warning", "variabel.nama")]
    assert issues[0].location == "variabel[0]" and "jumlah_penduduk" in issues[0].message
    assert issues[2].location == "variabel[1]"


@pytest.mark.parametrize("email,phone,ok", [
    ("statistik@blitarkota.go.id", "0342-801144", True),
    ("mailto:statistik@blitarkota.go.id", "tel:+62342801144", True),
    ("statistik@blitarkota", "0342 801144", False),
    ("statistik@@blitarkota.go.id", None, False),
    (None, "telp. 0342 801144", False),
    (None, "123", False),
])
def test_v22_contact_syntax(check, email, phone, ok):
    issues = check(contact_points=(ContactPoint(name="Admin", email=email, phone=phone),))
    assert (issues == []) is ok
    assert all(i.code == "SDI-V22" and i.severity is Severity.WARNING for i in issues)


def test_v22_agent_email(check):
    issues = check(publisher=Agent(name="Diskominfotik Kota Blitar", email="diskominfotik at blitarkota.go.id"))
    assert codes(issues) == [("SDI-V22", "warning", "publisher.email")]


def test_rules_off_accepts_both_spellings(check):
    assert check(satuan=None, policy=blitar_policy(rules_off=frozenset({"V02"}))) == []
    assert check(satuan=None, policy=blitar_policy(rules_off=frozenset({"SDI-V02"}))) == []


def test_crashing_rule_becomes_internal_issue(codelists, monkeypatch):
    def boom(ctx):
        raise RuntimeError("kaput")

    monkeypatch.setitem(RULES, "V01", boom)
    issues = validate_sdi(replace(good_dataset(), satuan=None), blitar_policy(), codelists)
    assert [(i.code, i.location) for i in issues] == [("SDI-INTERNAL", "V01"), ("SDI-V02", None)]


def test_odd_types_never_raise(check):
    issues = check(title=123, kode_pemda=3572, access_rights=["TERBUKA"], accrual_periodicity=7,
                   bidang_urusan=(2.16,), tingkat_penyajian=(None,), jadwal_rilis=(20240101,))
    assert not [i for i in issues if i.code == "SDI-INTERNAL"]
    assert ("SDI-V17", "error", "kode_pemda") in codes(issues)
    assert ("SDI-V17", "error", "bidang_urusan") in codes(issues)
