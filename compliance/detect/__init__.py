"""Detectors: notices (rules-driven), signals (machine-readable), reuse (corpus index + alignment)."""
