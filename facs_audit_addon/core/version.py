"""The facs-audit version. Reports carry it; the package (``facs_audit_addon.__version__``) and the
extension manifest (checked by tools/build_extension.py) take it from here."""

__version__ = "0.1.0"
