from django import template

from catalogue.cards import card_html

register = template.Library()


@register.simple_tag
def gift_card(gift, listing_context=""):
    """{% gift_card gift %}: the same card the listing shows (catalogue.cards)."""
    return card_html(gift, listing_context)
