"""The workspace: a folder with a settings file and an embedded DuckDB store."""
