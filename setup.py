"""The optional C parser; everything else about the package is in pyproject.toml.

``vaultkit.core.parse._native`` is built when a C compiler and the Python headers
are there.  ``optional=True``: without them the build goes on and vaultkit runs
the pure-Python parser (``vaultkit.core.parse.NATIVE`` is False then).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "vaultkit.core.parse._native",
            ["vaultkit/core/parse/_native.c"],
            optional=True,
        )
    ]
)
