"""The workspace: a folder with a settings file and an embedded DuckDB store (all of wijkloket's SQL,
numbered migrations in `migrations/`), plus file caches beside it (`.cache/`)."""
