"""Resumable uploads (tus 1.0.0) of a submission's film.

``protocol`` parses and checks headers (pure functions), ``storage`` moves bytes through
the storage API, ``services`` owns every write to ``Upload`` rows, ``api`` speaks tus over
HTTP, ``views`` serves the browser page.
"""
