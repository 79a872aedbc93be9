"""compliance: find rights notices and reused passages in text, and decide what may be quoted or stored."""

__version__ = "0.1.0"
