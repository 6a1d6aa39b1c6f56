"""Publicly released rigs (../shared/real_rigs, used in place) audit through the CLI (run in this
process, see conftest.cli) without crashing, with the naming and coverage findings a rigger would agree
with."""

from pathlib import Path

import pytest
from importlib.metadata import version

from blend_helpers import audit_json_once
from rig_paths import ICT, MPFB, NO_KEYS, REAL, ROCKETBOX, ROOT, needs_blender_5  # noqa: F401

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real_rigs is not present on this machine")

def keyed(document):
    return {(f["rule"], tuple(f["shapes"])) for rig in document["rigs"] for f in rig["findings"]}


def test_ict_facekit_is_read_as_arkit(cli):
    pytest.importorskip("bpy")
    result, document = audit_json_once(cli, ICT)  # shared with test_real_rig_variants (blend_helpers.run_once)
    assert result.returncode == 0
    rig, = document["rigs"]
    assert (rig["convention"], rig["profile"], rig["shapes"]) == ("arkit", "arkit-52", 57)
    found = keyed(document)
    assert ("naming.duplicate-mapping", ("cheekSquint_L", "cheekRaiser_L")) in found
    assert ("naming.mixed-conventions", ("cheekRaiser_L", "cheekRaiser_R")) in found
    assert ("naming.unknown-name", ("PupilDilate_L", "PupilDilate_R")) in found
    missing = [f["message"] for f in rig["findings"] if f["rule"].startswith("coverage.missing")]
    assert missing == ["Missing tongueOut (AD19). Required by arkit-52."]


def test_rocketbox_sets_are_audited_separately(cli):
    pytest.importorskip("bpy")
    # the very audit tests/test_sranipal.py reads too: run once (in this process, see conftest.cli)
    result, document = audit_json_once(cli, ROCKETBOX)
    assert result.returncode == 0
    rig, = document["rigs"]
    sets = {s["prefix"]: (s["convention"], s["profile"], s["recognised"]) for s in rig["sets"]}
    assert sets["AK"] == ("arkit", "arkit-52", 52)
    assert sets["AU"] == ("facs-code", "facs-core", 48)
    assert sets["SR"][0] == "sranipal"
    found = keyed(document)
    # rest poses (the viseme for silence, the neutral target) move nothing on purpose: no warning names them
    # the visemes no convention reads are one line, with what their geometry looks like
    assert any(rule == "naming.identified-as" and shapes[0] == "AA_VI_01_PP" for rule, shapes in found)
    assert not [key for key in found if {"AA_VI_00_Sil", "_Neutral"} & set(key[1])]
    # the ARKit set is complete: no arkit-52 coverage finding at all
    assert not [f for f in rig["findings"] if "arkit-52" in f["message"]]


def test_rig_without_shape_keys_is_a_clean_input_error(audit_json):
    result, document = audit_json(NO_KEYS)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith("has no mesh with shape keys")
    assert document["errors"][0]["message"].endswith("has no mesh with shape keys")


@needs_blender_5
def test_unknown_convention_is_handled_gracefully(audit_json):
    result, document = audit_json(MPFB)
    assert result.returncode == 0
    rig, = document["rigs"]
    assert rig["profile"] == "generic"
    unknown = [f for f in rig["findings"] if f["rule"] == "naming.unknown-name"]
    assert len(unknown) == 1 and len(unknown[0]["shapes"]) == 32


@needs_blender_5
def test_custom_naming_map_covers_mpfb(cli):
    pytest.importorskip("bpy")
    # shared with test_real_rig_variants (blend_helpers.run_once)
    result, document = audit_json_once(cli, MPFB, "--rules", ROOT / "examples" / "mpfb_convention.toml")
    rig, = document["rigs"]
    assert rig["convention"] == "mpfb"
    assert not [f for f in rig["findings"] if f["rule"].startswith("naming.unknown")]
