"""Release and audit: frozen schema history, bundles (build, verify), recording releases, and the clinical diff.

Each concern lives in its own module; this package root imports none of them, so that
importing one (the command line imports each only when its command runs) does not
import the others and jsonschema with them.
"""
