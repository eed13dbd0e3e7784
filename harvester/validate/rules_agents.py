"""Agent rules: produsen data (V03), walidata (V05), contact syntax (V22), and organisation-name matching.

Name matching (used for the walidata and the OPD register) is deliberately simple and predictable. Two
names are the same organisation when their *name keys* are equal. A name key is the name

1. normalised like code-list keys (case, accents, punctuation and spacing ignored),
2. with common Indonesian government abbreviations expanded by a fixed table (``Diskominfotik`` →
   ``dinas komunikasi informatika statistik``, ``Kab`` → ``kabupaten``, ``Pemkot`` → ``pemerintah kota``),
3. without the connectives ``dan`` / ``serta``.

So "Diskominfotik Kota Blitar" = "Dinas Komunikasi, Informatika dan Statistik Kota Blitar". A name that
lacks only the trailing region ("Diskominfotik" for "... Kota Blitar") also matches. URIs and ids are
compared after normalisation too. Anything else (other abbreviations, typos) must be listed in
``walidata_aliases`` / ``organisations``.

The same few names (the walidata, the OPD register, each OPD's own spelling) are compared for every
record, so name keys and the e-mail / phone verdicts of short strings are remembered in bounded LRU
caches (``NAME_MEMO_SIZE`` entries each, ``rules_base.str_memo``; all three are pure functions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from harvester.mapping.codelists import normalize_key
from harvester.model.dataset import Agent
from harvester.validate.rules_base import RuleContext, is_blank, shown, str_memo

#: Abbreviation -> expansion (normalised words). Only widely used, unambiguous forms.
ABBREVIATIONS: dict[str, str] = {
    "diskominfo": "dinas komunikasi informatika",
    "dinkominfo": "dinas komunikasi informatika",
    "diskominfotik": "dinas komunikasi informatika statistik",
    "diskominfostandi": "dinas komunikasi informatika statistik persandian",
    "diskominfosp": "dinas komunikasi informatika statistik persandian",
    "diskominfotiksan": "dinas komunikasi informatika statistik persandian",
    "kominfo": "komunikasi informatika",
    "kominfotik": "komunikasi informatika statistik",
    "disdukcapil": "dinas kependudukan pencatatan sipil",
    "dispendukcapil": "dinas kependudukan pencatatan sipil",
    "dinkes": "dinas kesehatan",
    "dishub": "dinas perhubungan",
    "dinsos": "dinas sosial",
    "bappeda": "badan perencanaan pembangunan daerah",
    "bps": "badan pusat statistik",
    "kab": "kabupaten",
    "kec": "kecamatan",
    "kel": "kelurahan",
    "prov": "provinsi",
    "pemkot": "pemerintah kota",
    "pemkab": "pemerintah kabupaten",
    "pemprov": "pemerintah provinsi",
}
_CONNECTIVES = frozenset({"dan", "serta"})
_REGION_WORDS = ("kota", "kabupaten", "provinsi")
#: Entries of each LRU cache of this module.
NAME_MEMO_SIZE = 4096


@str_memo(NAME_MEMO_SIZE)
def name_key(name: str) -> tuple[str, ...]:
    """The comparison key of an organisation name or identifier (see the module docstring). Cached."""
    words: list[str] = []
    for word in normalize_key(name).split():
        words.extend(ABBREVIATIONS.get(word, word).split())
    return tuple(w for w in words if w not in _CONNECTIVES)


def _without_region(key: tuple[str, ...]) -> tuple[str, ...]:
    for i, word in enumerate(key):
        if i and word in _REGION_WORDS:
            return key[:i]
    return key


def agent_matches(agent: Agent, names: Iterable[str]) -> bool:
    """True when the agent's name, identifier or URI is one of ``names`` (tolerantly, see above)."""
    mine = [name_key(v) for v in (agent.name, agent.identifier, agent.uri) if isinstance(v, str) and v.strip()]
    for other in names:
        if not isinstance(other, str) or not other.strip():
            continue
        theirs = name_key(other)
        for key in mine:
            if key and (key == theirs or (len(key) < len(theirs) and key == _without_region(theirs))):
                return True
    return False


def _agent_name(agent: Agent | None) -> str | None:
    if agent is None or not isinstance(agent, Agent) or is_blank(agent.name):
        return None
    return agent.name


def v03_produsen(ctx: RuleContext) -> None:
    """V03: produsen data present and, when a register is configured, one of its OPD."""
    creator = ctx.dataset.creator
    if _agent_name(creator) is None:
        ctx.error("creator", "The data producer (produsen data) is missing.",
                  "Isi Produsen Data: nama perangkat daerah (OPD) yang menghasilkan data.",
                  "Fill in the data producer: the government unit (OPD) that produced the data.")
        return
    register = ctx.policy.organisations
    if register and not agent_matches(creator, register):  # type: ignore[arg-type]
        ctx.error("creator", f"The data producer {shown(creator.name)} is not a registered OPD of this pemda.",  # type: ignore[union-attr]
                  "Pilih Produsen Data dari daftar OPD yang terdaftar, atau minta walidata mendaftarkan OPD ini.",
                  "Choose the producer from the registered OPD list, or ask the walidata to register it.")


def v05_walidata(ctx: RuleContext) -> None:
    """V05: walidata (publisher) present and equal to the pemda's single configured walidata."""
    publisher = ctx.dataset.publisher
    if _agent_name(publisher) is None:
        ctx.error("publisher", "The walidata (publisher) is missing.",
                  "Isi Walidata, yaitu satu walidata pemerintah daerah (misalnya Diskominfotik Kota Blitar).",
                  "Fill in the walidata, the pemda's single data steward (e.g. Diskominfotik Kota Blitar).")
        return
    expected = [v for v in (ctx.policy.walidata, *ctx.policy.walidata_aliases) if v]
    if ctx.policy.walidata and not agent_matches(publisher, expected):  # type: ignore[arg-type]
        ctx.error("publisher",
                  f"The walidata {shown(publisher.name)} is not the pemda's walidata {shown(ctx.policy.walidata)}.",  # type: ignore[union-attr]
                  f"Walidata harus {ctx.policy.walidata}; perbaiki isian Walidata (bukan nama OPD produsen).",
                  f"The walidata must be {ctx.policy.walidata}; correct it (it is not the producing OPD).")


_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-/]+$")


@str_memo(NAME_MEMO_SIZE)
def email_ok(value: str) -> bool:
    text = value.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return bool(_EMAIL.match(text)) and ".." not in text


@str_memo(NAME_MEMO_SIZE)
def phone_ok(value: str) -> bool:
    text = value.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    digits = re.sub(r"\D", "", text)
    return bool(_PHONE_CHARS.match(text)) and 6 <= len(digits) <= 15


def v22_contacts(ctx: RuleContext) -> None:
    """V22: e-mail addresses and phone numbers of contact points (and agents) are syntactically valid."""
    checks: list[tuple[str, str, object]] = []
    for i, cp in enumerate(ctx.dataset.contact_points):
        checks += [("contact_points.email", f"contact_points[{i}]", getattr(cp, "email", None)),
                   ("contact_points.phone", f"contact_points[{i}]", getattr(cp, "phone", None))]
    for name in ("creator", "publisher"):
        agent = getattr(ctx.dataset, name)
        if agent is not None:
            checks.append((f"{name}.email", name, getattr(agent, "email", None)))
    for field_name, where, value in checks:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if field_name.endswith("email") and not (isinstance(value, str) and email_ok(value)):
            ctx.warn(field_name, f"The e-mail address {shown(value)} is not valid.",
                     "Perbaiki alamat surel kontak (contoh: diskominfotik@blitarkota.go.id).",
                     "Correct the contact e-mail address (e.g. diskominfotik@blitarkota.go.id).", location=where)
        elif field_name.endswith("phone") and not (isinstance(value, str) and phone_ok(value)):
            ctx.warn(field_name, f"The telephone number {shown(value)} is not valid.",
                     "Perbaiki nomor telepon kontak: angka saja, boleh diawali +62 (contoh: +62 342 801144).",
                     "Correct the contact phone number: digits only, optionally starting with +62.", location=where)
