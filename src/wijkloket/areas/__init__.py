"""Area codes, the area hierarchy and district files."""
