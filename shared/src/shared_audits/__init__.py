"""Event contracts and thin plumbing shared by every service of the platform.

Contracts (``shared_audits.contracts``) are the only thing services share about
each other; the rest of this package is infrastructure glue (settings, Kafka,
MongoDB, outbox relay, idempotent consumers, token verification, HTTP problems).
"""
