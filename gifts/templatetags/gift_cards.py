from django import template
from django.utils.safestring import mark_safe

from catalogue.cards import card_html, card_of, mark_html

register = template.Library()


@register.simple_tag
def gift_card(gift, listing_context=""):
    """{% gift_card gift %}: the same card the listing shows (catalogue.cards)."""
    return card_html(card_of(gift), listing_context)


@register.simple_tag
def category_mark(category):
    """{% category_mark gift.category %}: the card's band with the category's drawing, for a
    gift without a photograph (catalogue.cards)."""
    return mark_safe(mark_html(category))  # escaped by catalogue.cards
