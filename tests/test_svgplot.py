"""SVG charts: well-formed XML, escaped labels, counts in the right bins."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from nnexam.svgplot import histogram, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_histogram_counts_and_escaping() -> None:
    svg = histogram([0, 5, 15, 15, 100, 100, 100], [0, 10, 20, 100], title="<Scores> & co", xlabel="score (%)")
    root = ET.fromstring(svg)
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert titles == ["0 to 10: 2", "10 to 20: 2", "20 to 100: 3"]
    assert "&lt;Scores&gt; &amp; co" in svg


def test_histogram_edge_cases() -> None:
    for values in ([], [5, 5, 5], [float("nan"), 1.0]):
        ET.fromstring(histogram(values, 10, title="t"))


def test_line_chart_has_one_line_per_series() -> None:
    svg = line_chart({"loss": [1.0, 0.5, 0.25], "val_loss<": [1.2, 0.8, float("nan")]}, title="t", xlabel="epoch", ylabel="loss")
    root = ET.fromstring(svg)
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    assert "val_loss&lt;" in svg
    ET.fromstring(line_chart({}, title="empty"))
