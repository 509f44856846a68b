"""One adapter per kind of source: raw file -> validated canonical tables + an ingest report."""
