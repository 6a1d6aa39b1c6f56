"""The sample face: symmetric, anatomically laid out, read under three naming conventions, clean."""

import numpy as np
import pytest

from facs_audit_addon.core import RigSnapshot, audit_rig, read_sets
from sample_rigs.face_model import NAMINGS, build_face, facs_shapes, named_shapes
from sample_rigs.face_shapes import BILATERAL, DIRECTIONAL, LATERAL

from core_helpers import RULEBOOK


@pytest.fixture(scope="module")
def face():
    return build_face()


@pytest.fixture(scope="module")
def shapes(face):
    return facs_shapes(face)


def _cosine(a, b):
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_mesh_size_and_proportions(face):
    v = face.vertices
    assert v.dtype == np.float32 and v.shape[1] == 3
    assert 10_000 <= len(v) <= 30_000
    marks = face.landmarks
    chin, crown = marks["chin"][2], marks["crown"][2]
    assert 0.22 <= crown - chin <= 0.26
    assert 0.13 <= v[:, 0].max() - v[:, 0].min() <= 0.17
    eye_z = marks["eye_L"][2]
    assert abs((eye_z - chin) / (crown - chin) - 0.5) < 0.06            # eyes at half head height
    mouth_share = (marks["mouth"][2] - chin) / (eye_z - chin)
    assert 0.2 < mouth_share < 0.4                                       # mouth a third of the way up
    assert marks["nose_tip"][1] < marks["mouth"][1] < marks["eye_L"][1]  # nose in front, faces -Y
    assert marks["mouth_corner_L"][0] > 0 and marks["eye_L"][0] > 0      # character's left is +X


def test_mesh_is_exactly_mirror_symmetric(face):
    v, m = face.vertices, face.mirror
    assert np.array_equal(m[m], np.arange(len(v)))
    assert np.array_equal(v[m] * np.array([-1, 1, 1], dtype=np.float32), v)
    assert np.all(v[m == np.arange(len(v)), 0] == 0)


def test_faces_reference_every_vertex_and_leave_eye_and_mouth_openings(face):
    used = np.zeros(len(face.vertices), dtype=bool)
    used[np.fromiter((i for poly in face.faces for i in poly), dtype=np.int64)] = True
    assert used.all()
    # a ray along +Y through an eye or the mouth line meets no skin quad in front of the eyeball
    centres = []
    for size in (3, 4):  # quads, and the triangles closing the crown
        polys = np.array([f for f in face.faces if len(f) == size])
        centres.append(face.vertices[polys[face.eyeball[polys[:, 0]] == 0]].mean(axis=1))
    centres = np.concatenate(centres)
    front = centres[:, 1] < -0.04
    for point in (face.landmarks["eye_L"], face.landmarks["mouth"]):
        near = front & (np.abs(centres[:, 0] - point[0]) < 0.002) & (np.abs(centres[:, 2] - point[2]) < 0.0008)
        assert not near.any()


def test_every_shape_is_mirrored_or_symmetric(face, shapes):
    for base in LATERAL:
        assert np.array_equal(face.mirror_delta(shapes[f"{base}_L"]), shapes[f"{base}_R"]), base
        left = shapes[f"{base}_L"]
        assert np.abs(left[face.vertices[:, 0] < -0.003]).max() == 0, f"{base}_L crosses the midline"
    for base in BILATERAL:
        assert np.array_equal(face.mirror_delta(shapes[base]), shapes[base]), base
    for first, second in DIRECTIONAL:
        assert np.array_equal(face.mirror_delta(shapes[first]), shapes[second])
    for name, delta in shapes.items():
        assert delta.dtype == np.float32 and np.isfinite(delta).all(), name
        assert np.linalg.norm(delta, axis=1).max() > 0.001, f"{name} barely moves"


def test_shapes_move_in_the_documented_directions(face, shapes):
    marks = face.landmarks

    def motion(name, mark):
        i = int(np.argmin(np.linalg.norm(face.vertices - marks[mark], axis=1)))
        return shapes[name][i]

    assert motion("AU1_L", "brow_inner_L")[2] > 0.003
    assert motion("AU2_L", "brow_outer_L")[2] > 0.003
    assert motion("AU4_L", "brow_inner_L")[2] < 0 and motion("AU4_corrugator_L", "brow_inner_L")[0] < 0
    smile = motion("AU12_L", "mouth_corner_L")
    assert smile[0] > 0.002 and smile[2] > 0.002                 # up and out
    assert motion("AU15_L", "mouth_corner_L")[2] < -0.002
    assert motion("AU20_L", "mouth_corner_L")[0] > 0.003
    assert motion("AU14_L", "mouth_corner_L")[1] > 0.002         # back into depth
    assert motion("AU18", "mouth_corner_L")[0] < -0.003          # corners toward the midline
    assert motion("AU26", "chin")[2] < -0.01 and motion("AU26", "chin")[1] > 0.002   # down and back
    assert np.abs(motion("AU25", "chin")).max() < 1e-4           # lips part, the chin stays
    assert motion("AU5_L", "upper_lid_L")[2] > 0 and motion("AU43_L", "upper_lid_L")[2] < -0.005
    assert motion("AD30_left", "chin")[0] > 0.003


def test_similar_actions_stay_distinct(shapes):
    assert _cosine(shapes["AU43_L"], shapes["AU45_L"]) < 0.9
    assert _cosine(shapes["AU18"], shapes["AU22"]) < 0.9
    assert abs(_cosine(shapes["AU23H"], shapes["AU23V"])) < 0.5
    assert _cosine(shapes["AU25"], shapes["AU26"]) < 0.5
    assert _cosine(shapes["AU26"], shapes["AU27"]) < 0.98


@pytest.mark.parametrize("naming, convention", [("facs", "facs-code"), ("arkit", "arkit"),
                                                ("descriptive", "facs-name")])
def test_every_name_parses_under_its_convention(naming, convention):
    names = list(NAMINGS[naming].values())
    sets = read_sets(names, RULEBOOK)
    assert len(sets) == 1
    assert sets[0].convention == convention
    assert not sets[0].unknown and not sets[0].combinations
    assert set(sets[0].parsed) == set(names)
    assert not sets[0].foreign


def test_arkit_naming_is_exactly_the_52(face):
    profile = RULEBOOK.profile("arkit-52")
    names = set(NAMINGS["arkit"].values())
    assert len(names) == 52
    # arkit-52 requires each ARKit name (require_names): the sample's ARKit naming is exactly that list
    required = {label for req in profile.requirements for label in req.labels.values()}
    assert names == required


@pytest.mark.parametrize("naming, profile", [("facs", "facs-film"), ("facs", "facs-core"),
                                             ("arkit", "arkit-52"), ("descriptive", "facs-core"),
                                             ("descriptive", "facs-film")])
def test_clean_face_has_no_naming_or_coverage_findings(face, naming, profile):
    snapshot = RigSnapshot.from_shapes("Face", face.vertices, named_shapes(face, naming))
    report = audit_rig(snapshot, RULEBOOK, profile=profile)
    assert report.profile == profile
    bad = [(f.rule, f.shapes) for f in report.findings if f.category in ("naming", "coverage")]
    assert bad == []


def test_clean_face_has_no_findings_at_all(face):
    snapshot = RigSnapshot.from_shapes("Face", face.vertices, named_shapes(face, "facs"))
    report = audit_rig(snapshot, RULEBOOK, profile="facs-film")
    assert [(f.rule, f.shapes, f.message) for f in report.findings] == []


def test_blend_round_trip(face, tmp_path, bpy_clean):
    from sample_rigs.build_blend import write_blend

    bpy = bpy_clean
    path = write_blend(tmp_path / "face.blend", naming="arkit")
    assert path.is_file()
    bpy.ops.wm.open_mainfile(filepath=str(path))
    obj = bpy.data.objects["Face"]
    mesh = obj.data
    n = len(mesh.vertices)
    assert n == len(face.vertices) and len(mesh.polygons) == len(face.faces)
    co = np.empty(3 * n, dtype=np.float32)
    mesh.vertices.foreach_get("co", co)
    assert np.array_equal(co.reshape(-1, 3), face.vertices)
    blocks = mesh.shape_keys.key_blocks
    expected = named_shapes(face, "arkit")
    assert [b.name for b in blocks] == ["Basis"] + list(expected)
    for name, delta in expected.items():
        blocks[name].points.foreach_get("co", co)
        got = co.reshape(-1, 3) - face.vertices
        assert np.allclose(got, delta, atol=1e-6), name
