"""Service functions: the one place the application's use cases live.

The web UI and the JSON API call the same functions. Each takes the database session and the
acting user (`Actor`) as keywords, checks the actor's role and clinic, records what it read or
changed in the audit log, and returns values (never ORM rows). The caller owns the transaction.
"""
