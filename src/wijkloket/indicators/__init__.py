"""Indicator definitions (as data), aggregation over the area hierarchy, disclosure control."""
