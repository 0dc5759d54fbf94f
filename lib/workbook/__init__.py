"""Integrated Care Evidence Workbook: framework synthesis of integrated care case studies."""
from __future__ import annotations

from workbook._fastimport import install as _install_fast_imports

__version__ = "0.1.0"

_install_fast_imports()  # `import jsonschema` in 0.1 s instead of 1.5-4 s (see _fastimport.py)
