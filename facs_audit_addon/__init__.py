"""facs-audit: audit facial shape keys against FACS Action Unit definitions.

The package is importable without Blender: ``core`` is pure Python + numpy. The Blender side
(``blender``) is imported only by the extension entry point and the CLI when they need it.
"""

__version__ = "0.1.0"
