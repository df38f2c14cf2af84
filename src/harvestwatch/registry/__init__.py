"""The transplant-centre registry as pure logic: typed records, names across scripts, matching,
fact proposals from documents, registry CSVs and FollowTheMoney export.

Storage is ``store.registry``; use cases are ``services.registry``.
"""
