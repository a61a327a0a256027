"""
"Cite this record": a gift's catalogue record as a reference a researcher can paste or import,
with its permanent address and the date it was consulted. One description of the record
(``reference``) written out four ways: a sentence for the page, BibTeX, RIS and CSL-JSON (what
Zotero, Mendeley, EndNote and pandoc read).
"""

import datetime
import json
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format

from operations.site import absolute_url

SITE = "Friendship Gifts"


@dataclass(frozen=True)
class Reference:
    key: str  # the accession number: stable, and the record's permanent address
    title: str
    summary: str  # who gave it to whom, when
    url: str
    year: str  # of the record's last change
    updated: datetime.date
    accessed: datetime.date


def reference(gift, accessed=None):
    giver = gift.donor.name
    if gift.donor_title:
        giver += f", {gift.donor_title}"
    recipient = gift.leader.name if gift.leader_id else gift.recipient_institution
    if gift.is_held:
        summary = f"Gift from {giver} to {recipient}"
    else:
        summary = f"Gift from {recipient} to {giver}"
    if gift.display_date:
        summary += f", {gift.display_date}"
    updated = gift.updated.date()
    return Reference(
        key=gift.accession_number,
        title=gift.title,
        summary=summary,
        url=absolute_url(gift.get_absolute_url()),
        year=str(updated.year),
        updated=updated,
        accessed=accessed or timezone.localdate(),
    )


def sentence(ref):
    """The citation as the page shows it (Chicago-like)."""
    accessed = date_format(ref.accessed, "j F Y")
    return (
        f"“{ref.title}.” {ref.summary}. Accession number {ref.key}. {SITE}, {ref.year}. "
        f"{ref.url} (accessed {accessed})."
    )


BIBTEX_SPECIAL = re.compile(r"([\\{}&%$#_^~])")
BIBTEX_ESCAPES = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}


def _bibtex(text):
    """Text safe inside a BibTeX field's braces: LaTeX's special characters escaped."""
    return BIBTEX_SPECIAL.sub(lambda m: BIBTEX_ESCAPES.get(m[1], "\\" + m[1]), text)


def bibtex(ref):
    fields = [
        ("title", _bibtex(ref.title)),
        ("note", _bibtex(f"{ref.summary}. Accession number {ref.key}")),
        ("organization", SITE),
        ("year", ref.year),
        ("url", ref.url),
        ("urldate", ref.accessed.isoformat()),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    key = re.sub(r"[^A-Za-z0-9_:-]", "", ref.key) or "gift"
    return f"@misc{{{key},\n{body}\n}}\n"


def _ris_line(tag, value):
    return f"{tag}  - {' '.join(str(value).split())}"  # one line each: no newline can split a tag


def ris(ref):
    lines = [
        _ris_line("TY", "ELEC"),
        _ris_line("TI", ref.title),
        _ris_line("AB", ref.summary),
        _ris_line("AN", ref.key),
        _ris_line("PB", SITE),
        _ris_line("PY", ref.year),
        _ris_line("UR", ref.url),
        _ris_line("Y2", ref.accessed.strftime("%Y/%m/%d")),
        "ER  - ",
    ]
    return "\r\n".join(lines) + "\r\n"


def _csl_date(date):
    return {"date-parts": [[date.year, date.month, date.day]]}


def csl_json(ref):
    item = {
        "id": ref.key,
        "type": "webpage",
        "title": ref.title,
        "container-title": SITE,
        "publisher": SITE,
        "note": f"{ref.summary}. Accession number {ref.key}",
        "URL": ref.url,
        "issued": _csl_date(ref.updated),
        "accessed": _csl_date(ref.accessed),
    }
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


# The downloads: format -> (writer, media type, file extension)
FORMATS = {
    "bib": (bibtex, "application/x-bibtex", "bib"),
    "ris": (ris, "application/x-research-info-systems", "ris"),
    "csl": (csl_json, "application/vnd.citationstyles.csl+json", "json"),
}
