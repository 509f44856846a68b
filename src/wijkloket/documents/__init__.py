"""Documents a civil-affairs desk issues (passport, ID card, driving licence) and the rules of their
validity, kept as data with their sources in `data/documents.toml`."""

from wijkloket.documents.validity import PRODUCTS, Rule, Rules, default_rules, load_rules, validity_days

__all__ = ["PRODUCTS", "Rule", "Rules", "default_rules", "load_rules", "validity_days"]
