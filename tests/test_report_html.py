"""``audit --format html``: a self-contained page, seen as a reader sees it (headless Chromium).

The rigs are the sample face and its brow-leakage defect, built by real Blender (the bpy module, in this
process) and saved as .blend; the audit runs the command line in this process (gate_helpers.cli: output
captured at file descriptors 1 and 2), pictures rendered by Workbench. A batch with a worker process and
the page in Chromium are in the slow tier.
"""

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from gate_helpers import cli, cli_process
from sample_rigs.build_blend import empty_session

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def rigs(tmp_path_factory):
    bpy = pytest.importorskip("bpy")
    from sample_rigs.build_blend import write_blend

    folder = tmp_path_factory.mktemp("html_rigs")
    for name, variant in (("leak", "leakage-au12-brows"), ("clean", "clean")):
        write_blend(folder / f"{name}.blend", variant=variant)
    empty_session()
    return folder


@pytest.fixture(scope="module")
def pages(rigs):
    """The report with pictures and without, for the leaking rig and the clean one."""
    out = {}
    for kind, extra in (("images", []), ("plain", ["--no-images"])):
        page = rigs / f"{kind}.html"
        result = cli("audit", rigs / "leak.blend", rigs / "clean.blend",
                     "--profile", "facs-film", "--format", "html", "--output", page, *extra)
        assert result.returncode == 1, result.stderr[-2000:]  # the leak is an error
        assert result.stdout == ""  # the page goes to --output only
        out[kind] = page
    return out


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.attributes, self.captions, self._caption = [], [], [], False
        self.badges = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.attributes += [value or "" for value in attrs.values()]
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        self._caption = tag == "figcaption"
        if "badge" in (attrs.get("class") or "").split():
            self.badges.append(attrs["class"].split()[1])

    def handle_data(self, data):
        if self._caption:
            self.captions.append(data)
            self._caption = False


def parse(path):
    page = _Page()
    text = path.read_text(encoding="utf-8")
    page.feed(text)
    return page, text


def test_page_is_self_contained_with_a_picture_per_flagged_shape(pages):
    page, text = parse(pages["images"])
    # AU12_L and AU12_R each leak into a brow: each pictured once, beside the neutral
    assert page.captions == ["neutral | AU12_L", "neutral | AU12_R"]
    assert len(page.images) == 2
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert "http://" not in text and "https://" not in text
    assert not any(value.startswith(("http", "//")) for value in page.attributes)
    urls = [part.split(")")[0] for part in text.split("url(")[1:]]
    assert urls and all(url.startswith("data:image/png;base64,") for url in urls)  # the neutral faces
    assert page.badges.count("error") == 2 + 1  # two findings, and the summary's column
    assert "no findings" in text  # the clean rig


def test_page_without_images_has_none(pages):
    page, text = parse(pages["plain"])
    assert page.images == [] and "url(" not in text
    assert page.badges.count("error") == 3


@pytest.mark.slow  # a worker process
def test_same_rigs_give_the_same_page(pages, rigs, tmp_path):
    again = tmp_path / "again.html"
    result = cli_process("audit", rigs / "leak.blend", rigs / "clean.blend", "--profile",
                 "facs-film", "--format", "html", "--output", again, "--jobs", "2")
    assert result.returncode == 1, result.stderr[-2000:]
    assert again.read_bytes() == pages["images"].read_bytes()  # pictures rendered in a worker too


def test_html_needs_an_output_file(rigs):
    result = cli("audit", rigs / "clean.blend", "--format", "html")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "facs-audit: usage error: --format html writes a page to a file: add --output report.html (see --help)"]


def screenshot(page, out):
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={out}",
                             "--window-size=1280,2000", page.resolve().as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert out.is_file(), result.stderr[-2000:]
    return read_png(out)


def read_png(path):
    """(h, w, 3) uint8 pixels of a PNG, read by Blender."""
    bpy = pytest.importorskip("bpy")
    image = bpy.data.images.load(str(path))
    try:
        width, height = image.size
        pixels = np.empty(width * height * image.channels, dtype=np.float32)
        image.pixels.foreach_get(pixels)
        return (pixels.reshape(height, width, image.channels)[::-1, :, :3] * 255 + 0.5).astype(np.uint8)
    finally:
        bpy.data.images.remove(image)


def near(pixels, colour, tolerance=12):
    return int((np.abs(pixels.astype(np.int16) - np.array(colour)).max(axis=2) <= tolerance).sum())


@pytest.mark.slow  # Chromium
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_chromium_shows_the_report_and_its_pictures(pages, tmp_path):
    shot = screenshot(pages["images"], tmp_path / "images.png")
    plain = screenshot(pages["plain"], tmp_path / "plain.png")
    for pixels in (shot, plain):
        assert (pixels.min(axis=2) < 230).mean() > 0.005  # not a blank page (text, table, badges)
        assert near(pixels, (0xc6, 0x28, 0x28)) > 2000  # three red error badges and the groups' red edge
        assert near(pixels, (0x15, 0x65, 0xc0)) > 500  # the info badge of the summary
    # the pictures: grey skin (four 192 px faces), the heat map's red and the marked vertices' blue
    grey = lambda p: int(((p.max(axis=2) - p.min(axis=2) < 10) & (p.min(axis=2) > 50) & (p.max(axis=2) < 190)).sum())
    assert grey(shot) - grey(plain) > 4 * 4000
    blue = lambda p: int(((p[..., 2].astype(int) - p[..., 0] > 80) & (p[..., 2] > 120)).sum())
    assert blue(shot) - blue(plain) > 100


def test_waived_findings_are_marked_as_in_the_text_report(rigs, tmp_path):
    config = tmp_path / "facs-audit.toml"
    config.write_text('profile = "facs-film"\n\n[[waivers]]\nrule = "region.leakage"\nshapes = ["AU12_L"]\n'
                      'reason = "brow <fix> next week"\nexpires = 2999-12-31\n')
    page = tmp_path / "waived.html"
    result = cli("audit", rigs / "leak.blend", "--config", config, "--format", "html", "--no-images",
                 "--output", page)
    assert result.returncode == 1  # AU12_R's leakage is not waived
    text = page.read_text(encoding="utf-8")
    assert text.count('<span class="known">(waived until 2999-12-31: brow &lt;fix&gt; next week)</span>') == 1
