"""Clinical: the pure decision engine (patient records, criteria, findings, doses, screening)."""
