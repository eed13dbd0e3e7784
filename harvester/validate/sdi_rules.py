"""SDI validation of one canonical dataset: the spec §12 rules that can be checked on the record.

``validate_sdi(dataset, policy, codelists)`` runs the rules of ``RULES`` in order (skipping those in
``policy.rules_off``) and returns their issues: code ``SDI-Vnn``, severity per harvester/validate/RULES.md,
``field`` = canonical field name, stage VALIDATE, English message naming the offending value, Indonesian and
English fix hints.

Failure behaviour: a rule that crashes on unexpected data (a bug or a type the model does not allow) does
not abort the run; it is reported as an error issue ``SDI-INTERNAL`` naming the rule, and logged.
"""

from __future__ import annotations

import logging
import re

from harvester.mapping.codelists import CodeLists, normalize_key
from harvester.model.dataset import Dataset, Variable
from harvester.model.issues import Issue, Severity, Stage
from harvester.validate.rules_access import v10_machine_readable, v14_akses, v15_lisensi
from harvester.validate.rules_agents import v03_produsen, v05_walidata, v22_contacts
from harvester.validate.rules_base import Rule, RuleContext, SdiPolicy, is_blank, shown
from harvester.validate.rules_codes import (
    v06_kode_pemda,
    v07_cakupan,
    v08_urusan,
    v09_kode_sds,
    v16_tingkat_penyajian,
    v17_codes_as_strings,
    v21_geospasial,
)
from harvester.validate.rules_time import v04_frekuensi_jadwal, v12_dates, v13_timeliness

__all__ = ["RULES", "SdiPolicy", "validate_sdi"]

log = logging.getLogger(__name__)


def v01_judul_deskripsi(ctx: RuleContext) -> None:
    """V01: title and description are not empty."""
    if is_blank(ctx.dataset.title):
        ctx.error("title", "The dataset has no title (judul).",
                  "Isi Judul dataset yang menyebut konsep datanya (misalnya: Jumlah Penduduk Menurut Kecamatan).",
                  "Fill in a title naming the data's concept (e.g. Population by District).")
    if is_blank(ctx.dataset.description):
        ctx.error("description", "The dataset has no description (deskripsi).",
                  "Isi Deskripsi: uraian isi dataset, sumber, dan cara memperolehnya.",
                  "Fill in a description: what the data contains, its source and how it was obtained.")


#: The five Standar Data components (Perpres 39/2019 Pasal 4(2)) with their fix hints.
_STANDAR_DATA = (
    ("konsep", "Isi Konsep: gagasan yang mendasari data dan tujuan data dibuat.",
     "Fill in the concept: the idea behind the data and why it is produced."),
    ("definisi", "Isi Definisi: penjelasan yang membatasi data ini dari data lain.",
     "Fill in the definition that delimits this data from other data."),
    ("klasifikasi", "Isi Klasifikasi: pengelompokan data (misalnya menurut Kecamatan; Jenis Kelamin).",
     "Fill in the classification (e.g. by district; by sex)."),
    ("ukuran", "Isi Ukuran (misalnya: Jumlah, Persentase, Indeks).",
     "Fill in the measure (e.g. count, percentage, index)."),
    ("satuan", "Isi Satuan (misalnya: Orang, Persen, Ton; tulis \"(tanpa Satuan)\" bila tidak bersatuan).",
     "Fill in the unit (e.g. persons, percent, tonnes; \"(tanpa Satuan)\" when unitless)."),
)
#: "Klasifikasi berdasarkan analisis atau sesuai kebutuhan" (SDS placeholder allowed temporarily).
_KLASIFIKASI_PLACEHOLDER = re.compile(r"berdasarkan analisis|sesuai kebutuhan")


def v02_standar_data(ctx: RuleContext) -> None:
    """V02: konsep, definisi, klasifikasi, ukuran, satuan present; the SDS placeholder klasifikasi warns."""
    for name, hint_id, hint_en in _STANDAR_DATA:
        if is_blank(getattr(ctx.dataset, name)):
            ctx.error(name, f"Standar Data component '{name}' is missing.", hint_id, hint_en)
    klasifikasi = ctx.dataset.klasifikasi
    if isinstance(klasifikasi, str) and _KLASIFIKASI_PLACEHOLDER.search(normalize_key(klasifikasi)):
        ctx.warn("klasifikasi", f"The classification {shown(klasifikasi)} is the temporary placeholder, not a "
                 "classification.",
                 "Ganti dengan klasifikasi sebenarnya (nama klasifikasi dan kategorinya) bila sudah ditetapkan.",
                 "Replace it with the actual classification (its name and categories) once defined.")


def v18_survei_sektoral(ctx: RuleContext) -> None:
    """V18: a sectoral survey has its MS-Keg link and BPS rekomendasi number."""
    ds = ctx.dataset
    if ds.cara_pengumpulan != "SURVEI" or ds.jenis_statistik != "STATISTIK_SEKTORAL":
        return
    if is_blank(ds.kegiatan_statistik):
        ctx.warn("kegiatan_statistik", "A sectoral survey without its MS-Keg (metadata kegiatan statistik) link.",
                 "Cantumkan ID metadata kegiatan (MS-Keg) survei ini di INDAH BPS.",
                 "Add the id of this survey's MS-Keg activity metadata in BPS INDAH.")
    if is_blank(ds.rekomendasi_bps):
        ctx.warn("rekomendasi_bps", "A sectoral survey without a BPS recommendation number (rekomendasi BPS).",
                 "Cantumkan nomor rekomendasi BPS (dari ROMANTIK), misalnya V-23.1600.004.",
                 "Add the BPS recommendation number (from ROMANTIK), e.g. V-23.1600.004.")


_VAR_FIELDS = (
    ("konsep", "Isi Konsep untuk variabel ini.", "Fill in this variable's concept."),
    ("definisi", "Isi Definisi untuk variabel ini.", "Fill in this variable's definition."),
    ("tipe_data", "Isi Tipe Data variabel ini (misalnya CHARACTER, NUMERIC).",
     "Fill in this variable's data type (e.g. CHARACTER, NUMERIC)."),
)


def v19_variabel(ctx: RuleContext) -> None:
    """V19 (canonical subset): each variable has nama, konsep, definisi and tipe_data."""
    for i, var in enumerate(ctx.dataset.variabel):
        where = f"variabel[{i}]"
        if not isinstance(var, Variable) or is_blank(var.nama):
            ctx.warn("variabel.nama", f"Variable #{i + 1} has no name.", "Isi Nama Variabel.",
                     "Fill in the variable name.", location=where)
            continue
        for name, hint_id, hint_en in _VAR_FIELDS:
            if is_blank(getattr(var, name)):
                ctx.warn(f"variabel.{name}", f"Variable {shown(var.nama)} has no {name}.", hint_id, hint_en,
                         location=where)


#: Rule id -> check, in report order. RULES.md documents each.
RULES: dict[str, Rule] = {
    "V01": v01_judul_deskripsi, "V02": v02_standar_data, "V03": v03_produsen, "V04": v04_frekuensi_jadwal,
    "V05": v05_walidata, "V06": v06_kode_pemda, "V07": v07_cakupan, "V08": v08_urusan, "V09": v09_kode_sds,
    "V10": v10_machine_readable, "V12": v12_dates, "V13": v13_timeliness, "V14": v14_akses, "V15": v15_lisensi,
    "V16": v16_tingkat_penyajian, "V17": v17_codes_as_strings, "V18": v18_survei_sektoral, "V19": v19_variabel,
    "V21": v21_geospasial, "V22": v22_contacts,
}


def validate_sdi(dataset: Dataset, policy: SdiPolicy, codelists: CodeLists) -> list[Issue]:
    """Run every enabled SDI rule on ``dataset``; return the issues (empty list = conforms)."""
    ctx = RuleContext(dataset=dataset, policy=policy, codelists=codelists)
    for rule_id, rule in RULES.items():
        if policy.is_off(rule_id):
            continue
        ctx.rule = rule_id
        try:
            rule(ctx)
        except Exception as exc:
            log.exception("SDI rule %s failed on dataset %r", rule_id, getattr(dataset, "identifier", None))
            ctx.issues.append(Issue(
                Severity.ERROR, "SDI-INTERNAL", f"Rule {rule_id} could not check this record: {exc!r}",
                field=None, stage=Stage.VALIDATE, remote_id=getattr(dataset, "identifier", None),
                location=rule_id))
    return ctx.issues
