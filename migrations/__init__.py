"""Alembic environment and revisions; ``store.migrate`` runs them."""
