"""The quality checks: what is scored, in which dimension, for how many points (docs/quality.md).

A check is one row of the documented table. There are two kinds:

* **rule checks** score the outcome of an SDI validation rule (``harvester/validate/sdi_rules.py``;
  codes ``SDI-Vnn``). The rule is never re-implemented here: the check reads the issues that
  ``validate_sdi`` produced for the dataset. No issue of the rule (restricted to ``rule_fields``)
  = full points; only warnings = ``warning_credit`` of the points; any error = no points. A check
  may also ``require`` a field to be present (a rule that stays silent on an empty field, such as
  V08 for a missing urusan, would otherwise give full points for nothing).
* **field checks** (``harvester/quality/checks_dcat.py``) test the EU-MQA style properties no SDI
  rule covers (keywords, temporal coverage, media types ...), directly on the canonical dataset.

A check that does not apply to a dataset (``applies`` is false, the rule is switched off in the
policy, or the rule crashed on the record: ``SDI-INTERNAL``) is *not applicable*: it neither gives
nor costs points, so the dataset's maximum shrinks. Every lost point carries fix hints in
Indonesian and English: the specific hints of the rule's issues when there are any, else the
check's own.

Speed: the facts several checks share are worked out once per dataset and kept on the ``CheckInput``:
the scored issues grouped by rule code (``rule_issues``; one pass over the issues instead of one per
rule check) and the dataset's distributions and data files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Optional

from harvester.mapping.codelists import CodeLists
from harvester.model.dataset import Dataset, Distribution
from harvester.model.issues import Issue, Severity
from harvester.validate.rules_base import SdiPolicy, is_blank


@dataclass(frozen=True)
class Dimension:
    """A group of checks: one of the four EPSS D1 aspects or one of the five EU MQA dimensions."""

    id: str
    group: str  # 'sdi' or 'dcat'
    label_id: str
    label_en: str
    reference: str  # EPSS indicator code or MQA dimension name


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("standar_data", "sdi", "Standar Data", "Data standard", "EPSS 10101"),
    Dimension("metadata", "sdi", "Metadata Statistik", "Statistical metadata", "EPSS 10201"),
    Dimension("interoperabilitas", "sdi", "Interoperabilitas Data", "Data interoperability", "EPSS 10301"),
    Dimension("kode_referensi", "sdi", "Kode Referensi", "Reference codes", "EPSS 10401"),
    Dimension("findability", "dcat", "Kemudahan Ditemukan", "Findability", "MQA Findability"),
    Dimension("accessibility", "dcat", "Keteraksesan", "Accessibility", "MQA Accessibility"),
    Dimension("interoperability", "dcat", "Interoperabilitas DCAT", "Interoperability", "MQA Interoperability"),
    Dimension("reusability", "dcat", "Kemudahan Digunakan Ulang", "Reusability", "MQA Reusability"),
    Dimension("contextuality", "dcat", "Konteks", "Contextuality", "MQA Contextuality"),
)
DIMENSION_IDS = tuple(d.id for d in DIMENSIONS)


@dataclass(frozen=True)
class Hint:
    """What to fix: the field, Indonesian and English hints, and (for rule issues) the finding."""

    field: Optional[str]
    hint_id: str
    hint_en: str
    message: Optional[str] = None
    location: Optional[str] = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "hint_id": self.hint_id, "hint_en": self.hint_en}
        if self.message:
            out["message"] = self.message
        if self.location:
            out["location"] = self.location
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hint:
        return cls(data.get("field"), str(data.get("hint_id") or ""), str(data.get("hint_en") or ""),
                   data.get("message"), data.get("location"))


#: Issue severities a rule check counts (INFO issues never cost points).
_SCORED = (Severity.ERROR, Severity.WARNING)
_ERROR = Severity.ERROR  # a plain constant: reading it off the enum class is slow on Python 3.11


@dataclass(frozen=True)
class RuleIssues:
    """The issues of one dataset as rule checks read them, indexed in a single pass.

    ``by_code``: code -> issues of a scored severity, in input order; ``crashed``: the ``location`` of
    every ``SDI-INTERNAL`` issue (the ids of rules that crashed on the record)."""

    by_code: dict[str, list[Issue]]
    crashed: list[Optional[str]]

    @classmethod
    def of(cls, issues: Sequence[Issue]) -> RuleIssues:
        by_code: dict[str, list[Issue]] = {}
        crashed: list[Optional[str]] = []
        for issue in issues:
            if issue.code == "SDI-INTERNAL":
                crashed.append(issue.location)
            if issue.severity in _SCORED:
                by_code.setdefault(issue.code, []).append(issue)
        return cls(by_code, crashed)


@dataclass
class CheckInput:
    """Everything a check may look at for one dataset, plus facts derived from it once (cached)."""

    dataset: Dataset
    issues: Sequence[Issue]
    codelists: CodeLists
    policy: SdiPolicy
    links: Any = None  # a harvester.quality.links.LinkChecker, or None (link check off)

    @cached_property
    def rule_issues(self) -> RuleIssues:
        """``issues`` indexed for the rule checks."""
        return RuleIssues.of(self.issues)

    @cached_property
    def distributions(self) -> tuple[Distribution, ...]:
        """The dataset's distributions (anything else in that tuple is ignored)."""
        return tuple(d for d in self.dataset.distributions if isinstance(d, Distribution))

    @cached_property
    def files(self) -> tuple[Distribution, ...]:
        """The data files: distributions that are not a data service (no ``access_service``)."""
        return tuple(d for d in self.distributions if not present(d.access_service))


@dataclass(frozen=True)
class Outcome:
    """Result of a field check: ``credit`` 0..1 of the points, or None when not applicable."""

    credit: Optional[float]
    detail_id: Optional[str] = None  # names what is missing, appended to the check's hint
    detail_en: Optional[str] = None


NOT_APPLICABLE = Outcome(None)
PASS = Outcome(1.0)


@dataclass(frozen=True)
class Check:
    """One scored check (a row of docs/quality.md)."""

    id: str
    dimension: str
    weight: int
    label_id: str
    label_en: str
    hint_id: str
    hint_en: str
    fields: tuple[str, ...]
    rule: Optional[str] = None  # 'SDI-V02' for a rule check
    rule_fields: Optional[tuple[str, ...]] = None  # only issues on these fields (None: any)
    warning_credit: float = 0.0
    requires: Optional[Callable[[Dataset], bool]] = None  # rule checks: no points when false
    applies: Optional[Callable[[Dataset], bool]] = None
    test: Optional[Callable[[CheckInput], Outcome]] = None  # field checks

    @property
    def rule_id(self) -> Optional[str]:
        """The rule's id as ``rules_off`` and ``SDI-INTERNAL`` name it ('V02'); None for a field check."""
        return self.rule.removeprefix("SDI-") if self.rule is not None else None

    def evaluate(self, data: CheckInput) -> tuple[Optional[float], tuple[Hint, ...]]:
        """(credit 0..1 or None when not applicable, hints for the lost points)."""
        if self.applies is not None and not _safe(self.applies, data.dataset):
            return None, ()
        if self.rule is not None:
            if data.policy.is_off(self.rule_id):  # type: ignore[arg-type]
                return None, ()
            return self.judge_rule(data, self.rule_id)  # type: ignore[arg-type]
        if self.test is None:
            raise TypeError(f"quality check {self.id} has neither a rule nor a test")
        outcome = self.test(data)
        if outcome.credit is None or outcome.credit >= 1.0:
            return outcome.credit, ()
        hint_id = self.hint_id + (f" ({outcome.detail_id})" if outcome.detail_id else "")
        hint_en = self.hint_en + (f" ({outcome.detail_en})" if outcome.detail_en else "")
        return outcome.credit, (Hint(self.fields[0] if self.fields else None, hint_id, hint_en),)

    def judge_rule(self, data: CheckInput, rule_id: str) -> tuple[Optional[float], tuple[Hint, ...]]:
        """``evaluate`` of a rule check past its first two steps: the check applies and its rule
        (``rule_id``) is on. A scorer settles those steps once per policy and calls this directly."""
        indexed = data.rule_issues
        if rule_id in indexed.crashed:
            return None, ()  # our bug, not the producer's: do not score it
        found = indexed.by_code.get(self.rule, ())  # type: ignore[arg-type]
        if found and self.rule_fields is not None:
            found = [i for i in found if i.field in self.rule_fields]
        if self.requires is not None and not _safe(self.requires, data.dataset):
            return 0.0, self._hints(found) or (Hint(self.fields[0] if self.fields else None, self.hint_id,
                                                    self.hint_en),)
        if not found:
            return 1.0, ()  # the usual case: the rule found nothing
        credit = 0.0 if any(i.severity is _ERROR for i in found) else self.warning_credit
        return credit, self._hints(found)

    def _hints(self, found: Sequence[Issue]) -> tuple[Hint, ...]:
        """The hints of a rule's issues (the check's own hint texts where an issue has none)."""
        return tuple([Hint(i.field, i.hint_id or self.hint_id, i.hint_en or self.hint_en, i.message, i.location)
                      for i in found])


def _safe(predicate: Callable[[Dataset], bool], dataset: Dataset) -> bool:
    """A predicate on odd data (wrong types) counts as false instead of crashing the scorer."""
    try:
        return bool(predicate(dataset))
    except (AttributeError, TypeError, ValueError):
        return False


def present(value: Any) -> bool:
    """A scalar that is not blank (see ``is_blank``: '-', 'null', 'belum diisi' are blank)."""
    return value is not None and not is_blank(value)


def any_present(values: Any) -> bool:
    """A tuple with at least one non-blank item."""
    return isinstance(values, (tuple, list)) and any(present(v) for v in values)


def _statistik(ds: Dataset) -> bool:
    return present(ds.kode_sds) or ds.kategori_data == "statistik"


def _rule(check_id: str, dimension: str, weight: int, rule: str, fields: tuple[str, ...], label_id: str,
          label_en: str, hint_id: str, hint_en: str, **kw: Any) -> Check:
    return Check(check_id, dimension, weight, label_id, label_en, hint_id, hint_en, fields, rule=rule, **kw)


#: The SDI part: the four EPSS D1 aspects, 25 points each (EPSS weighs them equally).
SDI_CHECKS: tuple[Check, ...] = (
    # --- Standar Data (EPSS 10101) -------------------------------------------------------------
    _rule("sdi.konsep", "standar_data", 5, "SDI-V02", ("konsep",), "Konsep terisi", "Concept given",
          "Isi Konsep: gagasan yang mendasari data.", "Fill in the concept behind the data.",
          rule_fields=("konsep",)),
    _rule("sdi.definisi", "standar_data", 5, "SDI-V02", ("definisi",), "Definisi terisi", "Definition given",
          "Isi Definisi yang membatasi data ini dari data lain.", "Fill in the definition of the data.",
          rule_fields=("definisi",)),
    _rule("sdi.klasifikasi", "standar_data", 4, "SDI-V02", ("klasifikasi",), "Klasifikasi terisi",
          "Classification given", "Isi Klasifikasi (misalnya: Kecamatan; Jenis Kelamin).",
          "Fill in the classification (e.g. district; sex).", rule_fields=("klasifikasi",), warning_credit=0.5),
    _rule("sdi.ukuran", "standar_data", 4, "SDI-V02", ("ukuran",), "Ukuran terisi", "Measure given",
          "Isi Ukuran (misalnya: Jumlah, Persentase, Indeks).", "Fill in the measure (count, percentage ...).",
          rule_fields=("ukuran",)),
    _rule("sdi.satuan", "standar_data", 5, "SDI-V02", ("satuan",), "Satuan terisi", "Unit given",
          "Isi Satuan (misalnya: Orang, Persen, Ton).", "Fill in the unit (persons, percent, tonnes ...).",
          rule_fields=("satuan",)),
    _rule("sdi.kode_sds", "standar_data", 2, "SDI-V09", ("kode_sds",), "Kode SDS sah", "Valid SDS code",
          "Cantumkan Kode Standar Data Statistik (SDS) dengan format BPS.",
          "Give the Statistical Data Standard (SDS) code in BPS format.", applies=_statistik),
    # --- Metadata Statistik (EPSS 10201) -------------------------------------------------------
    _rule("sdi.judul", "metadata", 3, "SDI-V01", ("title",), "Judul terisi", "Title given",
          "Isi Judul dataset.", "Fill in the title.", rule_fields=("title",)),
    _rule("sdi.deskripsi", "metadata", 3, "SDI-V01", ("description",), "Deskripsi terisi", "Description given",
          "Isi Deskripsi dataset.", "Fill in the description.", rule_fields=("description",)),
    _rule("sdi.produsen", "metadata", 3, "SDI-V03", ("creator",), "Produsen data terdaftar",
          "Registered data producer", "Isi Produsen Data dengan nama OPD yang terdaftar.",
          "Fill in the data producer with a registered OPD."),
    _rule("sdi.walidata", "metadata", 3, "SDI-V05", ("publisher",), "Walidata benar", "Correct walidata",
          "Isi Walidata dengan walidata pemerintah daerah.", "Fill in the pemda's walidata as publisher."),
    _rule("sdi.frekuensi", "metadata", 3, "SDI-V04", ("accrual_periodicity",), "Frekuensi dari daftar",
          "Frequency from the code list", "Isi Frekuensi (misalnya: Tahunan).",
          "Fill in the update frequency (e.g. annual).", rule_fields=("accrual_periodicity",)),
    _rule("sdi.jadwal_rilis", "metadata", 3, "SDI-V04", ("jadwal_rilis",), "Jadwal rilis ada",
          "Release schedule known", "Isi Jadwal Rilis berikutnya.", "Fill in the next release date.",
          rule_fields=("jadwal_rilis",)),
    _rule("sdi.tanggal", "metadata", 2, "SDI-V12", ("issued", "modified", "temporal"), "Tanggal sah",
          "Valid dates", "Perbaiki tanggal (format TTTT-BB-HH; diperbarui tidak sebelum dibuat).",
          "Correct the dates (YYYY-MM-DD; modified not before issued)."),
    _rule("sdi.pemutakhiran", "metadata", 2, "SDI-V13", ("modified",), "Mutakhir sesuai frekuensi",
          "Updated on schedule", "Perbarui data sesuai frekuensinya.", "Update the data as often as its frequency says."),
    _rule("sdi.tingkat_penyajian", "metadata", 1, "SDI-V16", ("tingkat_penyajian",), "Tingkat penyajian sesuai",
          "Presentation level consistent", "Isi Tingkat Penyajian sesuai rincian wilayah data.",
          "Fill in the presentation level matching the data's regional detail."),
    _rule("sdi.variabel", "metadata", 1, "SDI-V19", ("variabel",), "Variabel lengkap", "Variables described",
          "Lengkapi nama, konsep, definisi dan tipe data setiap variabel.",
          "Complete each variable's name, concept, definition and data type.",
          applies=lambda ds: len(ds.variabel) > 0),
    _rule("sdi.survei", "metadata", 1, "SDI-V18", ("kegiatan_statistik", "rekomendasi_bps"),
          "Survei: MS-Keg dan rekomendasi BPS", "Survey: MS-Keg and BPS recommendation",
          "Cantumkan MS-Keg dan nomor rekomendasi BPS survei ini.",
          "Give this survey's MS-Keg and BPS recommendation number.",
          applies=lambda ds: ds.cara_pengumpulan == "SURVEI"),
    # --- Interoperabilitas Data (EPSS 10301); sdi.media_type is a field check in checks_dcat ------
    _rule("sdi.format_terbuka", "interoperabilitas", 15, "SDI-V10", ("distributions",),
          "Format terbuka dan dapat dibaca mesin", "Open machine-readable format",
          "Gunakan format terbuka yang dapat dibaca mesin, misalnya CSV.",
          "Use an open machine-readable format such as CSV.", warning_credit=0.5),
    _rule("sdi.geospasial", "interoperabilitas", 5, "SDI-V21", ("spatial", "conforms_to"),
          "Metadata geospasial (SNI 8843-1)", "Geospatial metadata (SNI 8843-1)",
          "Cantumkan batas wilayah, sistem referensi koordinat dan SNI 8843-1:2019.",
          "Give the extent, the coordinate reference system and SNI 8843-1:2019.",
          applies=lambda ds: ds.kategori_data == "geospasial"),
    # --- Kode Referensi (EPSS 10401) -----------------------------------------------------------
    _rule("sdi.kode_pemda", "kode_referensi", 7, "SDI-V06", ("kode_pemda",), "Kode pemda sah",
          "Valid pemda code", "Isi Kode Pemda Kemendagri (misalnya 35.72).",
          "Fill in the Kemendagri pemda code (e.g. 35.72).", warning_credit=0.5),
    _rule("sdi.cakupan", "kode_referensi", 6, "SDI-V07", ("spatial",), "Kode wilayah cakupan sah",
          "Valid coverage region codes", "Gunakan kode wilayah Kemendagri di dalam wilayah pemda.",
          "Use Kemendagri region codes within the pemda."),
    _rule("sdi.urusan", "kode_referensi", 7, "SDI-V08", ("bidang_urusan",), "Kode bidang urusan sah",
          "Valid government-affair code", "Isi Bidang Urusan (Permendagri 90/2019), misalnya 2.16.",
          "Fill in the government-affair code (Permendagri 90/2019), e.g. 2.16.", warning_credit=0.5,
          requires=lambda ds: any_present(ds.bidang_urusan)),
    _rule("sdi.kode_teks", "kode_referensi", 5, "SDI-V17", ("kode_pemda", "spatial", "bidang_urusan"),
          "Kode tersimpan sebagai teks", "Codes kept as text",
          "Simpan kode sebagai teks, bukan angka (35.10, bukan 35.1).",
          "Keep codes as text, not numbers (35.10, not 35.1)."),
)

#: Rule checks of the DCAT part (EU MQA reusability): licence, access rights, contact point.
DCAT_RULE_CHECKS: tuple[Check, ...] = (
    _rule("dcat.lisensi", "reusability", 5, "SDI-V15", ("license",), "Lisensi dari kosakata",
          "Licence from a vocabulary", "Cantumkan lisensi baku, misalnya CC BY 4.0.",
          "Give a standard licence, e.g. CC BY 4.0."),
    _rule("dcat.hak_akses", "reusability", 4, "SDI-V14", ("access_rights",), "Hak akses dari kosakata",
          "Access rights from a vocabulary", "Isi Pengaturan Akses: Terbuka, Terbatas, atau Tertutup.",
          "Fill in the access level: TERBUKA, TERBATAS or TERTUTUP.", warning_credit=0.5),
    _rule("dcat.kontak", "reusability", 5, "SDI-V22", ("contact_points",), "Titik kontak sah",
          "Valid contact point", "Isi Kontak (nama unit dan surel atau telepon).",
          "Fill in a contact point (unit name and e-mail or phone).",
          requires=lambda ds: any(present(cp.email) or present(cp.phone) or present(cp.url)
                                  for cp in ds.contact_points)),
)
