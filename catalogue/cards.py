"""
A gift's card, the small summary every list of gifts shows, and its row in the listing's compact
list view (``row_html``). Built in Python rather than with a
template include: a listing draws 24 of them per page, and through the template engine they cost
more than everything else on the page. gifts/templatetags/gift_cards.py gives templates the same
card.
"""

from html import escape  # what django.utils.html.escape calls, minus its lazy-text check
from urllib.parse import quote

from django.utils.safestring import mark_safe

from gifts.marks import mark_url

SANCTIONS_BADGES = {
    "reported": "Reported sanctions breach",
    "possible": "Possible sanctions breach",
}


def gift_url(gift, listing_context):
    """The gift's address, carrying the listing's query string (``?in=``) back to its results."""
    url = gift.get_absolute_url()
    return f"{url}?in={quote(listing_context, safe='')}" if listing_context else url


def recipient_of(gift):
    return escape(gift.leader.name if gift.leader_id else gift.recipient_institution)


def mark_html(category):
    """No photograph: a band with the category's drawing (decorative) and its name."""
    return (
        f'  <div class="card-mark"><img src="{escape(mark_url(category.slug))}" alt="" '
        f'width="40" height="40"><span>{escape(category.name)}</span></div>\n'
    )


def card_html(gift, listing_context=""):
    """The card as a list item. `listing_context` is the listing's query string, carried to the
    gift's page so it can lead back to the same results. Every value is escaped here."""
    image_url = gift.card_image_url
    if image_url:
        srcset = gift.card_image_srcset
        srcset = (
            f' srcset="{escape(srcset)}" sizes="(min-width: 40rem) 16rem, 90vw"' if srcset else ""
        )
        alt = escape(getattr(gift, "card_image_alt", "") or "")
        media = (
            f'  <div class="card-media">\n    <img src="{escape(image_url)}"{srcset} alt="{alt}" '
            'width="320" height="240" loading="lazy">\n  </div>\n'
        )
    else:
        media = mark_html(gift.category)
    url = gift_url(gift, listing_context)
    donor = escape(gift.donor.name)
    if gift.country_id:
        donor += f", {escape(gift.country.name)}"
    date = gift.display_date
    recipient = recipient_of(gift)
    badge = SANCTIONS_BADGES.get(gift.sanctions)
    return mark_safe(
        '<li class="card">\n' + media + '  <div class="card-body">\n'
        f'    <h3 class="card-title"><a href="{escape(url)}">{escape(gift.title)}</a></h3>\n'
        f'    <p class="card-meta">{donor}</p>\n'
        f'    <p class="card-meta">{f"{escape(date)} · " if date else ""}to {recipient}</p>\n'
        + (
            f'    <p class="card-meta"><span class="badge badge-sanctions">{badge}</span></p>\n'
            if badge
            else ""
        )
        + "  </div>\n</li>"
    )


def row_html(gift, listing_context=""):
    """The gift as a row of the listing's list view (a table: title, donor, date, recipient,
    category), for collections without photographs. Every value is escaped here."""
    url = gift_url(gift, listing_context)
    donor = escape(gift.donor.name)
    if gift.country_id:
        donor += f'<span class="muted">, {escape(gift.country.name)}</span>'
    recipient = recipient_of(gift)
    badge = SANCTIONS_BADGES.get(gift.sanctions)
    badge = f' <span class="badge badge-sanctions">{badge}</span>' if badge else ""
    return mark_safe(
        f'<tr><th scope="row"><a href="{escape(url)}">{escape(gift.title)}</a>{badge}</th>'
        f'<td data-label="Donor">{donor}</td>'
        f'<td data-label="Received">{escape(gift.display_date or "")}</td>'
        f'<td data-label="To">{recipient}</td>'
        f'<td data-label="Category">{escape(gift.category.name)}</td></tr>'
    )


VIEWS = {"grid": card_html, "list": row_html}  # the listing's ways of showing a gift (?view=)
