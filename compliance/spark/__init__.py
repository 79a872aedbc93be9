"""The Spark engine (``--engine spark``): the local engine's per-document functions, spread over a cluster.

Only this package imports pyspark, and only through :func:`compliance.spark.session.spark_session`, so a
missing ``compliance[spark]`` extra is one error line, never an ImportError at start-up.
"""
