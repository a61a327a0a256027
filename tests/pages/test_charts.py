import re

from django.template.loader import render_to_string

from pages import charts
from pages.charts import AXIS_HEIGHT, ROW_HEIGHT, Datum


def widths(chart):
    return [bar.percent for bar in chart["bars"]]


def test_bar_lengths_are_proportional_to_the_values_on_a_scale_from_zero():
    chart = charts.bar_chart(
        [("Europe", 30, "/e"), ("Asia", 15, "/a"), ("Africa", 3, "/f")], id="c", title="T"
    )
    assert [tick.value for tick in chart["ticks"]] == [0, 10, 20, 30]
    assert widths(chart) == [100.0, 50.0, 10.0]
    assert [bar.value_text for bar in chart["bars"]] == ["30 gifts", "15 gifts", "3 gifts"]


def test_the_scale_ends_on_a_round_number_above_the_largest_value():
    chart = charts.bar_chart([("A", 3, "/a"), ("B", 7, "/b")], id="c", title="T")
    assert [tick.value for tick in chart["ticks"]] == [0, 2, 4, 6, 8]
    assert widths(chart) == [37.5, 87.5]
    assert widths(chart)[0] / widths(chart)[1] == 3 / 7
    big = charts.bar_chart([("A", 115_000, "/a")], id="c", title="T")
    assert [tick.value for tick in big["ticks"]] == [0, 50_000, 100_000, 150_000]


def test_end_ticks_keep_their_labels_inside_the_drawing():
    chart = charts.bar_chart([("A", 10, "/a")], id="c", title="T")
    anchors = [(tick.percent, tick.anchor) for tick in chart["ticks"]]
    assert anchors == [(0.0, "start"), (50.0, "middle"), (100.0, "end")]


def test_rows_stack_downwards_and_the_drawing_is_as_tall_as_its_rows():
    chart = charts.bar_chart([("A", 1, "/a"), ("B", 2, "/b"), ("C", 3, "/c")], id="c", title="T")
    assert [bar.y for bar in chart["bars"]] == [0, ROW_HEIGHT, 2 * ROW_HEIGHT]
    assert all(bar.label_y < bar.bar_y < bar.y + ROW_HEIGHT for bar in chart["bars"])
    assert chart["height"] == 3 * ROW_HEIGHT + AXIS_HEIGHT


def test_a_zero_is_drawn_without_a_bar_length_or_a_link():
    chart = charts.bar_chart([("Asia", 4, "/a"), ("Oceania", 0, "/o")], id="c", title="T")
    asia, oceania = chart["bars"]
    assert (asia.percent, asia.url) == (100.0, "/a")
    assert (oceania.percent, oceania.url, oceania.value_text) == (0.0, None, "0 gifts")


def test_a_single_value_fills_the_width():
    chart = charts.bar_chart([Datum("Only one", 1, "/one")], id="c", title="T")
    (bar,) = chart["bars"]
    assert (bar.percent, bar.value_text) == (100.0, "1 gift")
    assert [tick.value for tick in chart["ticks"]] == [0, 1]
    assert chart["description"].endswith("the largest is Only one, 1 gift.")


def test_only_zeros_draw_empty_bars_on_a_scale_from_zero():
    chart = charts.bar_chart([("A", 0, "/a"), ("B", 0, "/b")], id="c", title="T")
    assert widths(chart) == [0.0, 0.0]
    assert [tick.value for tick in chart["ticks"]] == [0]
    assert not chart["empty"]


def test_no_data_is_an_empty_chart():
    chart = charts.bar_chart([], id="c", title="T")
    assert chart["empty"]
    assert chart["bars"] == []
    assert chart["height"] == AXIS_HEIGHT
    assert "Nothing to count yet" in render_to_string("includes/bar_chart.html", {"chart": chart})


def test_long_labels_wrap_onto_more_lines_and_their_row_grows():
    label = "Saint Vincent and the Grenadines, a long name"
    chart = charts.bar_chart([(label, 2, "/v"), ("Chad", 1, "/c")], id="c", title="T")
    long, short = chart["bars"]
    assert long.lines == ("Saint Vincent and the", "Grenadines, a long name")
    assert " ".join(long.lines) == label  # every word drawn: nothing cut
    assert all(len(line) <= charts.MAX_LABEL_CHARS for line in long.lines)
    assert long.height == ROW_HEIGHT + charts.LINE_HEIGHT
    assert long.bar_y > long.label_y + charts.LINE_HEIGHT  # the bar is under both lines
    assert short.y == long.y + long.height
    assert chart["height"] == 2 * ROW_HEIGHT + charts.LINE_HEIGHT + AXIS_HEIGHT
    svg = render_to_string("includes/bar_chart_svg.html", {"chart": chart})
    wrapped = '>Saint Vincent and the <tspan x="0" dy="16">Grenadines, a long name</tspan></text>'
    assert wrapped in svg


def test_trim_drops_zeros_at_either_end_and_keeps_those_between():
    data = [("1950s", 0), ("1960s", 2), ("1970s", 0), ("1980s", 5), ("1990s", 0)]
    assert [datum.label for datum in charts.trim(data)] == ["1960s", "1970s", "1980s"]
    assert charts.trim([("1950s", 0)]) == []


def test_small_multiples_share_one_scale_and_one_table():
    multiples = charts.small_multiples(
        [
            ("Kim Il Sung", [("1980s", 10, "/kis-80"), ("1990s", 4, "/kis-90")]),
            ("Kim Jong Un", [("2010s", 5, "/kju-10")]),
        ],
        id="m",
        title="By leader",
        rows=["1980s", "1990s", "2010s"],
        label_heading="Decade",
    )
    first, second = multiples["charts"]
    assert (first["name"], widths(first)) == ("Kim Il Sung", [100.0, 40.0])
    assert (second["name"], widths(second)) == ("Kim Jong Un", [50.0])
    assert (first["id"], second["id"]) == ("m-1", "m-2")
    assert multiples["columns"] == ["Kim Il Sung", "Kim Jong Un"]
    table = [(row["label"], [cell.value for cell in row["cells"]]) for row in multiples["rows"]]
    assert table == [("1980s", [10, 0]), ("1990s", [4, 0]), ("2010s", [0, 5])]


def test_the_chart_template_draws_linked_bars_with_their_values_and_a_table():
    chart = charts.bar_chart(
        [("Europe", 1234, "/gifts/?continent=Europe"), ("Oceania", 0, "/gifts/?continent=Oceania")],
        id="chart-continent",
        title="Gifts by continent",
        label_heading="Continent",
    )
    html = render_to_string("includes/bar_chart.html", {"chart": chart})
    assert 'aria-labelledby="chart-continent-title"' in html
    assert '<title id="chart-continent-title">Gifts by continent</title>' in html
    assert '<desc id="chart-continent-desc">' in html
    bar = re.search(
        r'<a href="/gifts/\?continent=Europe">\s*<desc>Europe, 1,234 gifts</desc>(.*?)</a>',
        html,
        re.S,
    )
    assert bar, html
    assert 'class="bar-label" x="0" y="16">Europe</text>' in bar[1]
    assert ">1,234</text>" in bar[1]
    assert 'class="bar" x="0" y="22" width="82.27%"' in bar[1]  # 1,234 of 1,500
    assert "continent=Oceania" not in html  # nothing to list
    assert ">Oceania</text>" in html
    assert '<th scope="col">Continent</th><th scope="col" class="number">Gifts</th>' in html
    assert (
        '<th scope="row"><a href="/gifts/?continent=Europe">Europe</a></th>'
        '<td class="number">1,234</td>'
    ) in html
    assert '<th scope="row">Oceania</th><td class="number">0</td>' in html
