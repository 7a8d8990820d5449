"""Every write to submissions, split by entity: entries (the film's details and life cycle)
and uploads (the tus protocol's resumable uploads)."""
