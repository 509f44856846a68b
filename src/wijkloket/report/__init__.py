"""Rendering only: HTML report, Excel, CSV, GeoPackage, maps, charts. No computation."""
