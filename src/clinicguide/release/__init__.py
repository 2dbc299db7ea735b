"""Release and audit: frozen schema history, guidance release history, bundles, verification, diff.

Each concern lives in its own module; this package root imports none of them, because
``validate`` imports :mod:`.guidance_history` and the bundle modules import ``validate``.
"""
