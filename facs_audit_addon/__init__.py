"""facs-audit: audit facial shape keys against FACS Action Unit definitions.

The package is importable without Blender: ``core`` is pure Python + numpy. The Blender side
(``blender``) is imported only by the extension entry point and the CLI when they need it.
"""



def __getattr__(name):
    # The version lives in the core (reports carry it); read on first use, so importing the package
    # (the extension's registration) does not import the core and numpy.
    if name == "__version__":
        from .core.version import __version__
        return __version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
