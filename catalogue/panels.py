"""
What the gift listing shows around its results: facet panels with counts, the active filters as
removable chips, suggestions for an empty result, and page numbers. Every link is built from the
current query string, so each view of the listing is a shareable address.
"""

from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from html import escape  # what django.utils.html.escape calls, minus its lazy-text check
from urllib.parse import quote, quote_plus

from django.urls import reverse
from django.utils.safestring import mark_safe

from catalogue import search
from catalogue.facets import FACET, FACETS, FLAGS

LONG_LIST = 12  # panels with more options than this start collapsed and get a filter box


@lru_cache(maxsize=200_000)
def quote_value(value):
    return quote(value, safe="")


@lru_cache(maxsize=200_000)
def quote_plus_value(value):
    """As QueryDict.urlencode encodes a key or a value."""
    return quote_plus(value, safe="")


@dataclass
class Choice:
    label: str
    count: int
    url: str
    selected: bool = False


@dataclass
class Panel:
    key: str
    title: str
    choices: list = field(default_factory=list)
    long: bool = False
    hidden_count: int = 0
    more_url: str = ""  # the page with every option ("Show all"), when some are hidden
    range_form: bool = False  # the decade's panel carries the From/To year form

    @property
    def active(self):
        return any(choice.selected for choice in self.choices)

    @property
    def options_html(self):
        """The options as list items. Built here: a template loop over 200 countries and 30
        donors cost more than everything else on the page. Kept terse (a listing shows about
        170 options, and its page must stay small): the label, then the count in ``.n``."""
        items = []
        for choice in self.choices:
            inner = (
                f'{escape(choice.label)} <span class="n">{choice.count:,}'
                '<span class="visually-hidden"> gifts</span></span>'
            )
            if not choice.count and not choice.selected:
                # Nothing to show: not a link, so not a tab stop on the way to the next option.
                items.append(f'<li><span class="empty">{inner}</span></li>')
                continue
            current = ' aria-current="true"' if choice.selected else ""
            items.append(
                f'<li><a href="{escape(choice.url)}" rel="nofollow"{current}>{inner}</a></li>'
            )
        return mark_safe("".join(items))  # every value in it is escaped

    def html(self):
        """The panel as the listing shows it: open when it is short or has a choice made, and a
        long one with a box to find an option and, when some are hidden, a link to them all."""
        noun = escape(self.title.lower())
        lines = [
            f'\n        <details class="facet" data-panel="{escape(self.key)}"'
            f"{' open' if self.active or not self.long else ''}>",
            f"          <summary>{escape(self.title)}</summary>",
        ]
        if self.long:
            lines.append(
                '          <input type="search" class="facet-filter" data-facet-filter '
                f'aria-label="Find a {noun} in this list" placeholder="Find a {noun}…" hidden>'
            )
        options = self.options_html if self.choices else NONE_HERE
        lines.append(f"          <ul>{options}</ul>")
        if self.more_url:
            lines.append(
                f'          <p class="facet-more"><a href="{escape(self.more_url)}" rel="nofollow">'
                f"Show all {len(self.choices) + self.hidden_count:,}"
                f'<span class="visually-hidden"> {noun} choices</span></a> '
                f'<span class="small muted">({self.hidden_count:,} more with fewer gifts)'
                "</span></p>"
            )
        lines.append("        </details>")
        return "\n".join(lines)

    def range_html(self, action, hidden, year_from, year_to):
        """The decades' panel, with its From/To form carrying the other filters (``hidden``)."""
        lines = [
            f'\n        <details class="facet" data-panel="{escape(self.key)}" open>',
            f"          <summary>{escape(self.title)}</summary>",
            f'          <form class="range-form" method="get" action="{escape(action)}">',
        ]
        if hidden:
            lines.append(f"            {hidden_inputs(hidden)}")
        for name, label, value in (
            ("from", "From year", year_from),
            ("to", "To year", year_to),
        ):
            lines.append(
                f'            <label for="year-{name}">{label}<input id="year-{name}" '
                f'type="number" name="year_{name}" inputmode="numeric" min="1" max="2100" '
                f'value="{"" if value is None else escape(str(value))}"></label>'
            )
        lines += [
            '            <button type="submit" class="button-secondary">Apply</button>',
            "          </form>",
            f'          <ul aria-label="Decades">{self.options_html}</ul>',
            "        </details>",
        ]
        return "\n".join(lines)


NONE_HERE = '<li class="muted small">None in these results</li>'


def kept_panels(result, query, selection):
    """
    The listing's filter panels (facets, decades, yes/no) and their HTML, made once for each
    query string (without its page) and kept with the collection version: they are the same on
    every page of a listing, and building them was the largest part of what was left of a
    listing's time. They hold only counts and labels of the version's published gifts, and are
    dropped with it when anything changes.
    """

    def make():
        built = [
            *panels(result, query, selection),
            decade_panel(result, query, selection),
            *flag_panels(result, query, selection),
        ]
        return built, panels_html(
            built, query.path, query.hidden_fields("year_from", "year_to"), selection
        )

    return result.collection.panels.get_or_set((query.path, query.encoded), make)


def panels_html(panels, action, hidden_for_years, selection):
    """The listing's filter panels, built here rather than in the template: its loop over a
    dozen panels cost a listing more than everything else it renders. Every value is escaped."""
    return mark_safe(
        "".join(
            panel.range_html(action, hidden_for_years, selection.year_from, selection.year_to)
            if panel.range_form
            else panel.html()
            for panel in panels
        )
    )


def hidden_inputs(pairs):
    """Hidden inputs carrying (name, value) pairs through a form; both escaped."""
    return mark_safe(
        "".join(
            f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
            for name, value in pairs
        )
    )


@dataclass
class Chip:
    label: str
    url: str
    key: str = ""  # the facet it removes, if it is one


class QueryString:
    """
    The listing's query string, and the addresses one change away from it.

    A listing page builds about a hundred such addresses. They are made from the query's
    (key, values) pairs, each encoded once, rather than from copies of a QueryDict: copying and
    encoding a QueryDict per address cost a page several milliseconds. The addresses are exactly
    what QueryDict.urlencode gives (keys in their first order, spaces as "+").
    """

    def __init__(self, params, path):
        self.params = params.copy()
        self.params.pop("page", None)
        self.params.pop("partial", None)
        self.path = path
        self.lists = {key: list(values) for key, values in self.params.lists()}
        self.encoded = self.encode(self.lists)

    @staticmethod
    def encode(lists):
        return "&".join(
            f"{quote_plus_value(key)}={quote_plus_value(value)}"
            for key, values in lists.items()
            for value in values
        )

    def address(self, query, path=None):
        path = self.path if path is None else path
        return f"{path}?{query}" if query else path

    def elsewhere(self, path):
        """This query string on another page (``path``)."""
        return self.address(self.encoded, path)

    @property
    def here(self):
        """This query string's own address (without its page)."""
        return self.address(self.encoded)

    def changed(self, key, values):
        """The address with ``key``'s values replaced (in its place, or added at the end)."""
        lists = dict(self.lists)
        lists[key] = values
        return self.address(self.encode(lists))

    def toggle(self, key, value):
        values = self.lists.get(key, [])
        return self.changed(
            key, [v for v in values if v != value] if value in values else [*values, value]
        )

    def toggler(self, key):
        """A fast ``toggle`` for many values of one key: the rest of the query is encoded once."""
        values = self.lists.get(key, [])
        rest = self.encode({k: v for k, v in self.lists.items() if k != key})
        prefix = f"{self.path}?{rest}&" if rest else f"{self.path}?"
        name = quote_value(key) + "="
        pairs = [(value, name + quote_value(value)) for value in values]
        chosen = "&".join(pair for _, pair in pairs)
        add = prefix + (chosen + "&" if chosen else "") + name

        def toggle(value):
            if value not in values:
                return add + quote_value(value)
            kept = "&".join(pair for v, pair in pairs if v != value)
            return (prefix + kept) if kept else (f"{self.path}?{rest}" if rest else self.path)

        return toggle

    def without(self, *keys, value=None):
        lists = dict(self.lists)
        for key in keys:
            if value is None:
                lists.pop(key, None)
            elif key in lists:
                lists[key] = [v for v in lists[key] if v != value]
        return self.address(self.encode(lists))

    def replace(self, **values):
        lists = dict(self.lists)
        for key, value in values.items():
            lists[key] = [str(value)]
        return self.address(self.encode(lists))

    def hidden_fields(self, *exclude):
        """(name, value) pairs to carry the other filters through a form."""
        return [
            (key, value)
            for key, values in self.lists.items()
            if key not in exclude
            for value in values
        ]


def panels(result, query, selection):
    """A panel per facet of the table, in its order."""
    built = []
    for facet in FACETS:
        key, limit = facet.key, facet.shown
        dimension = result.collection.dimensions[key]
        selected = dimension.codes_for(selection.filters.get(key, []))
        long = limit is not None or len(dimension.options) - 1 > LONG_LIST
        hidden = 0
        if limit is not None:
            # Long lists: the options that would find something, the largest first, chosen with
            # numpy rather than by sorting 10,000 donors in Python.
            order, counts, distinct = result.summary(key, limit, selected)
            hidden = distinct - len(order)
        elif long:
            counts = result.facet_array(key)[:-1]  # the last code is "none"
            order = result.top_codes(key, limit=None)
        else:
            counts = result.facet_array(key)[:-1]
            order = None
        if order is None:
            codes = range(len(counts))
        else:
            shown = set(order.tolist())
            codes = [code for code in selected if code not in shown] + order.tolist()
            hidden -= sum(1 for code in selected if code not in shown and counts[code])
        choices = _choices(dimension, counts, query.toggler(key), codes, set(selected))
        built.append(
            Panel(
                key,
                facet.title,
                choices,
                long=long,
                hidden_count=max(hidden, 0),
                more_url=query.elsewhere(reverse("gifts:options", args=[key]))
                if hidden > 0
                else "",
            )
        )
    return built


def every_option(result, query, selection, key, find=""):
    """Every option of a facet that has results here, most results first, the chosen ones
    (even with none) at the top: what a panel's "Show all" lists. ``find`` keeps the options
    whose name contains it."""
    dimension = result.collection.dimensions[key]
    counts = result.facet_array(key)
    ranked = result.top_codes(key, limit=None).tolist()
    selected = dimension.codes_for(selection.filters.get(key, []))
    chosen = set(selected)
    codes = [*selected, *(code for code in ranked if code not in chosen)]
    codes = result.collection.matching_options(key, codes, find)
    return _choices(dimension, counts, query.toggler(key), codes, chosen)


def _choices(dimension, counts, toggle, codes, chosen):
    """A Choice for each of ``codes`` (a dimension's option codes), with its count and the
    address that adds or removes it."""
    options = dimension.options
    return [
        Choice(options[code].label, int(counts[code]), toggle(options[code].key), code in chosen)
        for code in codes
    ]


def decade_panel(result, query, selection):
    choices = []
    for option, count in result.facet_counts("decade"):
        if not option.key:
            continue
        start = int(option.key)
        selected = selection.year_from == start and selection.year_to == start + 9
        url = (
            query.without("year_from", "year_to")
            if selected
            else query.replace(year_from=start, year_to=start + 9)
        )
        choices.append(Choice(option.label, count, url, selected))
    return Panel(key="decade", title="Date received", choices=choices, range_form=True)


def flag_panels(result, query, selection):
    built = []
    for flag in FLAGS:
        key, title = flag.key, flag.title
        true, false = result.flag_counts(key)
        current = selection.flags.get(key)
        choices = [
            Choice("Yes", true, _flag_url(query, key, "true", current is True), current is True),
            Choice("No", false, _flag_url(query, key, "false", current is False), current is False),
        ]
        built.append(Panel(key=key, title=title, choices=choices))
    return built


def _flag_url(query, key, value, selected):
    return query.without(key) if selected else query.replace(**{key: value})


def chips(collection, query, selection, search_text):
    built = []
    for key, values in selection.filters.items():
        noun = FACET[key].label
        for value in values:
            option = collection.option(key, value)
            built.append(
                Chip(f"{noun.capitalize()}: {option.label}", query.without(key, value=value), key)
            )
    if selection.year_from is not None or selection.year_to is not None:
        if selection.year_from is not None and selection.year_to is not None:
            label = f"Years {selection.year_from} to {selection.year_to}"
        elif selection.year_from is not None:
            label = f"From {selection.year_from}"
        else:
            label = f"Until {selection.year_to}"
        built.append(Chip(label, query.without("year_from", "year_to")))
    for flag in FLAGS:
        value = selection.flags.get(flag.key)
        if value is not None:
            built.append(Chip(f"{flag.title}: {'yes' if value else 'no'}", query.without(flag.key)))
    if search_text:
        built.append(Chip(f"Search: {search_text}", query.without("q")))
    return built


def _names(collection, key, values, most=2):
    labels = [collection.option(key, value).label for value in values]
    if len(labels) > most:
        return f"{', '.join(labels[:most])} and {len(labels) - most} more"
    return " or ".join(labels)


def describe(collection, selection, chip_list):
    """The listing's choices in words, for its page title: "Gifts from Russia to Kim Jong Un ·
    Category: Ceramics · Years 1990 to 1999 · Search: vase". ``chip_list`` is chips()."""
    filters = selection.filters
    phrase = "Gifts"
    source = next((key for key in ("donor", "country", "continent") if filters.get(key)), None)
    if source:
        phrase += f" from {_names(collection, source, filters[source])}"
    if filters.get("leader"):
        phrase += f" to {_names(collection, 'leader', filters['leader'])}"
    said = {source, "leader"}
    return " · ".join([phrase, *(chip.label for chip in chip_list if chip.key not in said)])


@dataclass
class Respelling:
    text: str
    count: int
    url: str


def respellings(result, form, query, search_text):
    """For a search that found nothing: the same search with one word respelt ("drones" to
    "drone", "armor" to "armour", "Mitterand" to "Mitterrand"), each with how many gifts it
    finds under the same filters; only those that find some. Decided in Python from the
    database's own word list, so both databases offer the same."""
    collection = result.collection
    terms = search.query_terms(search_text, collection.leader_spellings)
    offered = []
    for text in collection.search_vocabulary().respellings(terms):
        respelt = replace(
            result.selection, search_matches=partial(form.search_matches, text), search_terms=None
        )
        found = collection.select(respelt)
        if found.count:
            offered.append(Respelling(text, found.count, query.replace(q=text)))
    return offered


def widening(result, collection, query, selection, search_text):
    """For an empty result: each filter whose removal would find gifts, with how many."""
    suggestions = []
    # Each mask of the result: its words, and the query-string keys that removing it drops.
    removable = {
        **{key: (f"the {facet.label} filter", (key,)) for key, facet in FACET.items()},
        "year": ("the years", ("year_from", "year_to")),
        **{flag.key: (flag.label, (flag.key,)) for flag in FLAGS},
        "q": (f"the search “{search_text}”", ("q",)),
    }
    for name in result.parts:
        total = result.facet_total(name)
        if not total:
            continue
        label, keys = removable[name]
        url = query.without(*keys)
        suggestions.append(Chip(f"Remove {label}: {total:,} gift{'s' if total != 1 else ''}", url))
    return suggestions


def pagination_html(params, number, last):
    """The listing's links to other pages (``params`` is the request's query string), built
    here rather than with {% querystring %}: a page shows up to nine of them. Each address is
    what that tag gives: the query string in its order, with ``page`` in its place or last."""
    if last <= 1:
        return ""
    before, after, seen = {}, {}, False
    for key, values in params.lists():
        if key == "page":
            seen = True
        else:
            (after if seen else before)[key] = values
    head, tail = QueryString.encode(before), QueryString.encode(after)

    def address(page):
        return escape("?" + "&".join(part for part in (head, f"page={page}", tail) if part))

    lines = ['<nav class="pagination" aria-label="Pages of results">', "          <ul>"]
    if number > 1:
        lines.append(
            f'            <li><a href="{address(number - 1)}" rel="prev">'
            'Previous<span class="visually-hidden"> page</span></a></li>'
        )
    for page in page_numbers(number, last):
        if page is None:
            item = '<li><span class="gap" aria-hidden="true">…</span></li>'
        elif page == number:
            item = (
                '<li><span aria-current="page"><span class="visually-hidden">Page </span>'
                f"{page}</span></li>"
            )
        else:
            item = (
                f'<li><a href="{address(page)}"><span class="visually-hidden">Page </span>'
                f"{page}</a></li>"
            )
        lines.append(f"              {item}")
    if number < last:
        lines.append(
            f'            <li><a href="{address(number + 1)}" rel="next">'
            'Next<span class="visually-hidden"> page</span></a></li>'
        )
    lines += ["          </ul>", "        </nav>"]
    return mark_safe("\n".join(lines))


def sort_options_html(sorts, sort, search_text):
    """The sort menu's options (``sorts``: catalogue.index.SORTS), ``sort`` chosen; by relevance
    only for a search."""
    return mark_safe(
        "".join(
            f'<option value="{escape(value)}"{" selected" if value == sort else ""}>'
            f"{escape(label)}</option>"
            for value, label in sorts.items()
            if value != "relevance" or search_text
        )
    )


def page_numbers(number, last, around=2):
    """Page numbers to show, with None where a gap is: 1 … 4 5 [6] 7 8 … 40."""
    pages = sorted({1, last, *range(max(1, number - around), min(last, number + around) + 1)})
    shown = []
    for page in pages:
        if shown and page - shown[-1] > 1:
            shown.append(None)
        shown.append(page)
    return shown
