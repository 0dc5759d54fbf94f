"""`python -m workbook` runs the workbook command."""
import sys

from .cli import main

sys.exit(main())
