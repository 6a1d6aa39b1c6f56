"""Naming tables: the same sample face emitted under three conventions.

``NAMINGS[naming]`` maps an internal shape id (see ``face_shapes.py``) to a shape-key name:

- ``facs``: FACS codes for every slot of the ``facs-film`` profile (``AU1_L``, ``AU4_corrugator_L``,
  ``AU23H``, ``AD30_left``);
- ``arkit``: exactly Apple's 52 ARKit names (``mouthSmileLeft``, ``jawOpen``);
- ``descriptive``: descriptive FACS names (``lipCornerPuller_L``, ``innerBrowRaiser_R``) for the same
  slots as ``facs``.
"""

from sample_rigs.face_shapes import facs_shapes

# lateral ids of the facs-film profile, and their descriptive stems
_LATERAL_DESCRIPTIVE = {
    "AU1": "innerBrowRaiser", "AU2": "outerBrowRaiser", "AU4": "browLowerer", "AU4_corrugator": "corrugator",
    "AU4_depressor": "depressorSupercilii", "AU4_procerus": "procerus", "AU5": "upperLidRaiser",
    "AU6": "cheekRaiser", "AU7": "lidTightener", "AU43": "eyesClosed", "AU45": "blink", "AU46": "wink",
    "AU9": "noseWrinkler", "AU10": "upperLipRaiser", "AU11": "nasolabialDeepener", "AU38": "nostrilDilator",
    "AU39": "nostrilCompressor", "AU12": "lipCornerPuller", "AU13": "sharpLipPuller", "AU14": "dimpler",
    "AU20": "lipStretcher", "AU21": "neckTightener", "AU15": "lipCornerDepressor", "AU16": "lowerLipDepressor",
    "AU24": "lipPresser", "AD36": "tongueBulge",
}
# bilateral (or directional) ids of the facs-film profile
_BILATERAL_DESCRIPTIVE = {
    "AU17": "chinRaiser", "AU8": "lipsTowardEachOther", "AU18": "lipPucker", "AU22": "lipFunneler",
    "AU23H": "lipTightenerHorizontal", "AU23V": "lipCincher", "AU28": "lipSuck", "AU25": "lipsPart",
    "AU26": "jawDrop", "AU27": "mouthStretch", "AD19": "tongueShow", "AD29": "jawThrust",
    "AD30_left": "jawSidewaysLeft", "AD30_right": "jawSidewaysRight", "AD32": "lipBite", "AD33": "cheekBlow",
    "AD34": "cheekPuffed", "AD35": "cheekSuck",
}


def _facs_table():
    table = {}
    for base in _LATERAL_DESCRIPTIVE:
        table[f"{base}_L"] = f"{base}_L"
        table[f"{base}_R"] = f"{base}_R"
    for base in _BILATERAL_DESCRIPTIVE:
        table[base] = base
    return table


def _descriptive_table():
    table = {}
    for base, stem in _LATERAL_DESCRIPTIVE.items():
        table[f"{base}_L"] = f"{stem}_L"
        table[f"{base}_R"] = f"{stem}_R"
    table.update(_BILATERAL_DESCRIPTIVE)
    return table


def _arkit_table():
    table = {"AU1_both": "browInnerUp", "AD34": "cheekPuff", "AD29": "jawForward", "AD30_left": "jawLeft",
             "AD30_right": "jawRight", "AU26": "jawOpen", "AU8": "mouthClose", "AU22": "mouthFunnel",
             "MS_left": "mouthLeft", "MS_right": "mouthRight", "AU18": "mouthPucker",
             "AU28_lower": "mouthRollLower", "AU28_upper": "mouthRollUpper", "AU17": "mouthShrugLower",
             "AU17_upper": "mouthShrugUpper", "AD19": "tongueOut"}
    lateral = {"AU4": "browDown", "AU2": "browOuterUp", "AU6": "cheekSquint", "AU45": "eyeBlink",
               "gaze_down": "eyeLookDown", "gaze_in": "eyeLookIn", "gaze_out": "eyeLookOut", "gaze_up": "eyeLookUp",
               "AU7": "eyeSquint", "AU5": "eyeWide", "AU14": "mouthDimple", "AU15": "mouthFrown",
               "AU16": "mouthLowerDown", "AU24": "mouthPress", "AU12": "mouthSmile", "AU20": "mouthStretch",
               "AU10": "mouthUpperUp", "AU9": "noseSneer"}
    for base, stem in lateral.items():
        table[f"{base}_L"] = f"{stem}Left"
        table[f"{base}_R"] = f"{stem}Right"
    return table


NAMINGS = {"facs": _facs_table(), "arkit": _arkit_table(), "descriptive": _descriptive_table()}


def named_shapes(face, naming="facs", shapes=None):
    """``{shape-key name: delta}`` of the sample face under one naming table, in table order."""
    if naming not in NAMINGS:
        raise ValueError(f"unknown naming '{naming}' (known: {', '.join(NAMINGS)})")
    shapes = facs_shapes(face) if shapes is None else shapes
    return {name: shapes[key] for key, name in NAMINGS[naming].items()}
