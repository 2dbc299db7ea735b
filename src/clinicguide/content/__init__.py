"""Content: YAML guidance files to a validated, immutable model and library."""
