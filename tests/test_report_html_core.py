"""core.report_html without Blender: grouping and ranking, escaping, pictures as data: URIs."""

from dataclasses import dataclass

from facs_audit_addon.core.model import Finding, RigReport
from facs_audit_addon.core.report_html import grouped, to_html


@dataclass(frozen=True)
class Ranked(Finding):
    """A Finding with the root-cause group and rank the report orders by (contracts.md)."""

    group: str = ""
    rank: int = 0


def finding(rule, severity, shapes=(), **extra):
    cls = Ranked if extra else Finding
    return cls(rule=rule, category=rule.split(".")[0], severity=severity, message=f"{rule} <{','.join(shapes)}>",
               shapes=tuple(shapes), **extra)


def report(findings):
    return RigReport(file="rig.blend", object="Face", profile="facs-film", convention="facs-code", sets=(),
                     findings=tuple(findings), vertices=9, shapes=3)


def test_groups_follow_rank_then_severity_and_rule():
    a = finding("symmetry.pair-mismatch", "error", ["A_L", "A_R"], group="pair:A", rank=2)
    b = finding("region.leakage", "warning", ["A_L"], group="pair:A", rank=1)
    c = finding("naming.unknown-name", "warning", ["X"], group="shape:X", rank=3)
    assert grouped([c, a, b]) == [[b, a], [c]]
    # before ranks exist: severity, then rule; each finding its own group
    d, e, f = finding("region.leakage", "warning"), finding("coverage.missing-au", "error"), finding("a.b", "warning")
    assert grouped([d, e, f]) == [[e], [f], [d]]


def test_page_escapes_text_and_embeds_pictures():
    png = b"\x89PNG\r\n\x1a\nfake"
    page = to_html([report([finding("symmetry.pair-mismatch", "error", ["A_L", "A_R"])])],
                   pictures={("rig.blend", "Face"): (png, {"A_L": png})})
    assert "symmetry.pair-mismatch &lt;A_L,A_R&gt;" in page
    assert page.count('src="data:image/png;base64,iVBORw0KGgpmYWtl"') == 1
    assert ".n0{background-image:url(data:image/png;base64,iVBORw0KGgpmYWtl)}" in page
    assert "1 flagged shape(s) not pictured" in page  # A_R
    assert to_html([report([])]) == to_html([report([])])
