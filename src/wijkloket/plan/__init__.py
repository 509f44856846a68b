"""Options, costs and location models."""
