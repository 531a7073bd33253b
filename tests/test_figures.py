"""Static PNG/SVG figures (matplotlib, no browser): slide size, title and banner as SVG text, real pixels in
the PNG, hostile names drawn as text, a wrong suffix refused in one sentence."""
import xml.etree.ElementTree as ET

import numpy as np
from PIL import Image

from audit_examples import XSS_SCRIPT, example_result
from repaudit.cli import cli
from repaudit.figures import funnel_figure, map_figure

SVG = "{http://www.w3.org/2000/svg}"


def _texts(path):
    return ["".join(t.itertext()) for t in ET.parse(path).getroot().iter(f"{SVG}text")]


def test_png_map_is_slide_sized_and_not_blank(tmp_path):
    path = map_figure(example_result(("fsm",)), tmp_path / "map.png")
    image = np.asarray(Image.open(path).convert("RGB"))
    assert image.shape == (675, 1200, 3)
    # Alpha Academy's gap (-10 pp) is drawn in the -15 to -10 class colour #d6604d; the XSS school's -2 is pale
    assert (np.abs(image.astype(int) - [0xd6, 0x60, 0x4d]).sum(axis=2) < 30).sum() > 20
    assert (image.sum(axis=2) < 3 * 250).mean() > 0.02           # more than 2% of pixels are not white


def test_svg_funnel_has_title_legend_years_source_and_banner_as_text(tmp_path):
    result = example_result(("fsm",))
    result.schools.loc[result.schools["urn"] == 900001, "name"] = "Cost $5 $x^2$ " + XSS_SCRIPT
    texts = _texts(funnel_figure(result, tmp_path / "funnel.svg"))
    assert "Free school meals (FSM): funnel plot of schools against their communities" in texts
    assert any("2021/22 to 2023/24" in t for t in texts)
    assert any(t.startswith("Source: repaudit audit") for t in texts)
    assert "SYNTHETIC SAMPLE DATA: not real schools" in texts
    assert {"95% limits", "99.8% limits"} <= set(texts)
    svg = (tmp_path / "funnel.svg").read_text(encoding="utf-8")
    assert "<script" not in svg


def test_svg_map_escapes_names_and_real_data_has_no_banner(tmp_path):
    result = example_result(("fsm",), synthetic=False)
    result.meta["filters"] = {"la": XSS_SCRIPT}
    texts = _texts(map_figure(result, tmp_path / "map.svg"))
    assert any(XSS_SCRIPT in t for t in texts)                    # shown as text, parsed back as text
    assert not any("SYNTHETIC" in t for t in texts)
    assert "<script>window" not in (tmp_path / "map.svg").read_text(encoding="utf-8")


def test_cli_writes_figures_and_refuses_a_wrong_suffix(runner, tmp_path):
    db = tmp_path / "w.duckdb"
    assert runner.invoke(cli, ["load-sample", "--db", str(db)]).exit_code == 0
    out = runner.invoke(cli, ["map", "--db", str(db), "--out", str(tmp_path / "m.html"), "--png",
                              str(tmp_path / "m.png")])
    assert out.exit_code == 0 and f"Figure: {tmp_path / 'm.png'}" in out.output
    bad = runner.invoke(cli, ["report", "--db", str(db), "--out", str(tmp_path / "r.html"), "--png",
                              str(tmp_path / "f.jpg")])
    assert bad.exit_code == 1
    assert bad.output == (f"Error: {tmp_path / 'f.jpg'}: a figure is written as .png or .svg, not '.jpg'; name the "
                          "file e.g. map.png or funnel.svg\n")
    assert not (tmp_path / "r.html").exists()
