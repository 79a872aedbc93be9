"""Reporters: render results as text (rich), JSON, SARIF, GitHub annotations, Markdown, HTML."""
