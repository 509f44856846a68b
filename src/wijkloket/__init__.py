"""wijkloket: evidence for neighbourhood public service in Dutch municipalities."""

__version__ = "0.1.0"
