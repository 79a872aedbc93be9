"""``compliance audit``: one record per document of a scraped archive, plus clusters of copies.

- :mod:`records` builds the per-document record of the contract (path, record, url, title, publisher,
  license, notices, signals, verdicts, cluster, error) and the compact per-document data that
  clustering keeps (:class:`records.DocInfo`).
- :mod:`clusters` groups near-duplicates and syndicated copies from shared fingerprints and names the
  original where the copies' notices say where they come from.
- :mod:`sinks` writes records as JSONL or CSV, whole lines flushed one by one (an interrupted run
  leaves a valid prefix), reads back what is there for ``--resume``, and rewrites the file atomically
  once clusters are known.
- :mod:`runner` streams the archive through a process pool in input order.
- :mod:`report` renders the summary (text table), the JSON wrapper and the HTML report.
"""
