"""Names that use an earlier FACS meaning of their code (issue 11, point 2): one finding per action and set,
saying what the geometry supports; it replaces the conflation lines of those shapes."""

import numpy as np

from test_signatures import audit, mouth_face, WIDTH, MOUTH_Z


def _cheek_puff(basis, side):
    """Both cheeks (or one) pushed straight out of the flat face."""
    x, z = basis[:, 0], basis[:, 2]
    delta = np.zeros_like(basis)
    for s in ((1, -1) if side == "B" else (1,) if side == "L" else (-1,)):
        blob = np.exp(-((x - s * 1.9 * WIDTH) ** 2 + (z - (MOUTH_Z + 0.4 * WIDTH)) ** 2) / (2 * (0.6 * WIDTH) ** 2))
        delta[:, 1] -= 0.004 * blob  # -Y: out of the face
    return delta


def _former(report):
    return [f for f in report.findings if f.rule == "naming.former-meaning"]


def test_cheek_puffer_built_as_a_corner_pull_says_what_it_resembles():
    basis, shapes = mouth_face()
    shapes["AU13_L_CheekPuffer"] = shapes["AU14_L"] * 0.9 + shapes["AU12_L"] * 0.2
    shapes["AU13_R_CheekPuffer"] = shapes["AU12_R"] * 1.1 + shapes["AU14_R"] * 0.3
    report = audit(shapes, profile="facs-core")
    found = _former(report)
    assert [(f.severity, f.shapes, f.aus) for f in found] == [
        ("warning", ("AU13_L_CheekPuffer", "AU13_R_CheekPuffer"), ("AU13", "AD34"))]
    message, measures = found[0].message, found[0].measures
    assert message.startswith("AU13_L_CheekPuffer and AU13_R_CheekPuffer name AU13 by its FACS 1978 meaning, "
                              "Cheek Puffer; in FACS 2002 AU13 is Sharp Lip Puller and what the old name describes "
                              "is AD34 (Puff). None shows AD34's signature (cheek_puff above 0.45: ")
    assert [code for code, _ in measures["closest"]] == ["AU14", "AU12"]
    assert "AU13_L_CheekPuffer to AU14 (" in message and "AU13_R_CheekPuffer to AU12 (0.9" in message
    assert max(measures["cheek_puff"]) < 0.45
    # one root cause, one line: no conflation finding repeats it for these shapes
    assert not [f for f in report.findings if f.rule.startswith("conflation.") and "CheekPuffer" in " ".join(f.shapes)]


def test_cheek_puffer_that_puffs_is_the_descriptor():
    basis, shapes = mouth_face()
    shapes["cheekPuffer"] = _cheek_puff(basis, "B")
    found = _former(audit(shapes))
    assert len(found) == 1 and found[0].measures["cheek_puff"][0] > 0.45
    assert "cheekPuffer shows it (cheek_puff" in found[0].message and "it is AD34." in found[0].message


def test_current_meaning_and_plain_codes_are_not_flagged():
    _, shapes = mouth_face()
    shapes["AU13_L_SharpLipPuller"] = shapes["AU12_L"] * 1.2
    shapes["AU13_R"] = shapes["AU12_R"] * 1.2
    assert _former(audit(shapes)) == []


def test_1978_lid_names():
    _, shapes = mouth_face()
    shapes["AU42_L_Slit"] = shapes["AU43_L"] * 0.6
    shapes["squint_R"] = shapes["AU45_R"] * 0.4
    found = _former(audit(shapes))
    assert [(f.shapes, f.aus) for f in found] == [(("AU42_L_Slit",), ("AU42", "AU43")), (("squint_R",), ("AU44", "AU7"))]
    assert "in FACS 2002 AU42 is an optional AU4 component (depressor supercilii)" in found[0].message
    assert found[0].measures["closest"][0][0] in ("AU43", "AU45")


def test_incremental_update_recomputes_the_comparison():
    from facs_audit_addon.core import AuditSession, RigSnapshot, audit_rig, load_rulebook
    rulebook = load_rulebook()
    basis, shapes = mouth_face()
    shapes["AU13_L_CheekPuffer"] = shapes["AU14_L"] * 0.9 + shapes["AU12_L"] * 0.2
    session = AuditSession(rulebook, profile="generic")
    session.audit(RigSnapshot.from_shapes("Face", basis, shapes))
    # the dimpler is re-sculpted: the cheek puffer no longer resembles it most
    changed = {"AU14_L": shapes["AU45_L"] * 0.5}
    updated = _former(session.update(changed))
    shapes.update(changed)
    full = _former(audit_rig(RigSnapshot.from_shapes("Face", basis, shapes), rulebook, profile="generic"))
    assert [f.message for f in updated] == [f.message for f in full]
    assert full[0].measures["closest"][0][0] != "AU14"
