"""
{% kept %}: a piece of a template rendered once per process and kept, for the parts of the page
skeleton that are the same on every page (the header, the navigation, the footer).

Their {% url %} and {% static %} tags were most of what base.html cost: a listing answered in
2.5 ms spent 0.4 ms reversing and looking up the same addresses on every request. A kept piece may
use only what its values after ``kept`` say (``{% kept request.path|nav_section %}``), {% url %},
{% static %} and fixed text: it is kept under those values, the script prefix, the URL conf and
the language, and forgotten when a setting changes (tests). Nothing from the collection goes in
one, so it never needs the collection version; a block inside one is refused, because a child
template's version of it would be kept for every page.
"""

import itertools
import threading

from django import template
from django.core.signals import setting_changed
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# (piece, values, prefix, urlconf, language) -> HTML. Bounded: the values come from requests.
MOST = 256
_kept = {}
_lock = threading.Lock()
# Each piece's number: not id(), which a template compiled later (DEBUG, tests) could reuse.
_numbers = itertools.count()
_WHERE = object()  # the render context's key for the page's script prefix, URL conf, language


class KeptNode(template.Node):
    def __init__(self, nodelist, values):
        self.nodelist = nodelist
        self.values = values
        self.number = next(_numbers)

    def render(self, context):
        # Read once per page: each is a thread-local look-up, and a page has about ten pieces.
        where = context.render_context.get(_WHERE)
        if where is None:
            where = context.render_context[_WHERE] = (
                get_script_prefix(),
                get_urlconf(),
                get_language(),
            )
        key = (self.number, *(value.resolve(context) for value in self.values), *where)
        html = _kept.get(key)
        if html is None:
            html = mark_safe(self.nodelist.render(context))
            with _lock:
                if len(_kept) >= MOST:
                    _kept.clear()
                _kept[key] = html
        return html


@register.tag
def kept(parser, token):
    """{% kept [value ...] %}...{% endkept %}"""
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError("{% kept %} cannot hold a {% block %}.")
    return KeptNode(nodelist, values)


@register.filter
def nav_section(path):
    """The first part of a path, "/gifts/" for "/gifts/IFE-0001/": all the navigation needs to
    know which of its links is the current page."""
    return "/" + path.split("/", 2)[1] + "/" if path.startswith("/") and path.count("/") > 1 else ""


def forget(**kwargs):
    with _lock:
        _kept.clear()


setting_changed.connect(forget)
