"""Shared plumbing: errors with file/line/fix, atomic writes, YAML and text reading, CSV tables, project paths.
Every other package may import it; it imports none of them."""
