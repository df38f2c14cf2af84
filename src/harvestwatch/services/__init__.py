"""Use cases: one module per capability area, called by the CLI, the web app and reports.

``services.store`` (ingest, search, show, verify, export), ``services.extract``,
``services.link``, ``services.analysis``, ``services.screen``, ``services.users``,
``report.brief`` builds briefs over these. A user of the Python API can do everything the CLI does.
"""
