"""Issue 11 points 1, 2, 7, 8 on the shared Rocketbox HeadBox male through the CLI (skipped when
../shared/real_rigs is absent): what is present is never also reported missing, old FACS meanings get one
line each, rest poses are quiet, and only the chosen profile raises coverage errors."""

import pytest

from blend_helpers import audit_json_once
from rig_paths import REAL, ROCKETBOX

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real_rigs is not present on this machine")


def _findings(cli, *args):
    pytest.importorskip("bpy")
    # the arkit-52 audit is shared with test_real_rig_variants (blend_helpers.run_once)
    result, document = audit_json_once(cli, ROCKETBOX, *args)
    assert result.returncode == 0
    rig, = document["rigs"]
    return rig["findings"]


def test_rocketbox_facs_film(cli):
    found = _findings(cli, "--profile", "facs-film")
    au23 = [f for f in found if "AU23" in f["aus"] and f["rule"].startswith(("coverage.", "conflation.variants"))]
    # AU_23_LipTightener measures horizontal: present; the vertical tightener is the one gap, in one line
    assert [(f["rule"], f["shapes"], f["measures"]["variants"]) for f in au23] == [
        ("coverage.missing-variant", ["AU_23_LipTightener"], ["V"])]
    assert au23[0]["message"].startswith("Missing AU23 vertical (Lip Tightener): AU_23_LipTightener is the horizontal "
                                         "type by measure (lip_tightening_axis +0.7")
    au4 = [f for f in found if f["rule"] == "coverage.missing-variant" and f["aus"] == ["AU4"]]
    assert len(au4) == 1 and au4[0]["measures"]["variants"] == ["corrugator", "depressor", "procerus"]
    # the 1978 "cheek puffer": one line for the three AU13 shapes, no looks-like-AU12 lines beside it
    former = {tuple(f["aus"]): f for f in found if f["rule"] == "naming.former-meaning"}
    assert sorted(former) == [("AU13", "AD34"), ("AU41", "AU43"), ("AU42", "AU43"), ("AU44", "AU7")]
    au13 = former[("AU13", "AD34")]
    assert au13["shapes"] == ["AU_13_CheekPuffer", "AU_13_L_CheekPuffer", "AU_13_R_CheekPuffer"]
    assert max(au13["measures"]["cheek_puff"]) < 0.2  # real puffs on this rig (SR_01/02) score 0.6-0.7
    assert "AU_13_CheekPuffer to AU14 (0.74 with AU_14_Dimpler; AU12 0.66)" in au13["message"]
    assert not [f for f in found if f["rule"].startswith("conflation.") and any("CheekPuffer" in s for s in f["shapes"])]
    # rest poses are quiet
    assert not [f for f in found if {"AA_VI_00_Sil", "_Neutral"} & set(f["shapes"])]


def test_rocketbox_arkit_52_raises_no_coverage_error_for_the_facs_set(cli):
    found = _findings(cli, "--profile", "arkit-52")
    coverage = [(f["rule"], f["severity"], f["measures"]) for f in found if f["rule"].startswith("coverage.")]
    assert coverage == [("coverage.other-profile", "info",
                         {"profile": "facs-core", "chosen": "arkit-52", "missing-side": 7})]
