"""Which version of a module is installed, without importing it.

Caches are keyed by torch's version (parse results no, but the API-name index,
code-block results, whole-run results and the shared worker all are), and a
short ``vaultkit`` run must not pay for finding it: importing
``importlib.metadata`` alone costs ~20 ms and a lookup scans every installed
distribution.  The ``<name>-<version>.dist-info`` folder beside the package
answers almost always; ``importlib.metadata`` is the fallback.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re


def module_origin(module: str) -> str:
    """Where ``module`` would be imported from ("" when it is not installed)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return ""
    if spec is None:
        return ""
    return spec.origin or ",".join(spec.submodule_search_locations or ())


@functools.lru_cache(maxsize=16)
def installed_version(module: str) -> str:
    """The version of the distribution that provides ``module``; "" when none does."""
    origin = module_origin(module)
    if not origin:
        return ""
    return distribution_version(module, origin)


def distribution_version(module: str, origin: str) -> str:
    """The version of ``module`` installed at ``origin`` (its ``__init__.py`` or file)."""
    if origin and os.path.isabs(origin):
        package_dir = os.path.dirname(origin)
        site = os.path.dirname(package_dir) if os.path.basename(origin) == "__init__.py" else package_dir
        pattern = re.compile(rf"{re.escape(module)}-([^-]+)\.dist-info", re.IGNORECASE)
        try:
            for entry in os.scandir(site):
                found = pattern.fullmatch(entry.name)
                if found:
                    return found.group(1)
        except OSError:
            pass
    import importlib.metadata

    try:
        return importlib.metadata.version(module)
    except importlib.metadata.PackageNotFoundError:
        pass
    # A module whose distribution has another name (sklearn -> scikit-learn).
    for dist in importlib.metadata.packages_distributions().get(module, ()):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return ""
