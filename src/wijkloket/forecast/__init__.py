"""Demand from document expiry and population: expected applications for passports, ID cards and driving
licences per area, product and month, as pure models on arrays (no I/O).

- `chain`: validity in months (from `wijkloket.documents`), the renewal-timing distribution, expiries
  of issued documents, and the reconstruction of the documents issued before the issuance list;
- `fit`: the Poisson model of one product and its estimation (EM), seasonal factors, dispersion;
- `model`: one product fitted on its list and projected, with the variants behind its interval;
- `levels`: sums to every level with intervals recomputed per level, counter hours;
- `backtest`: fit before a cut, predict after it, errors against the list and a seasonal naive baseline;
- `assumptions` (`assumptions.toml`): possession shares, first and other applications, grids, minutes.

The use case `wijkloket.usecases.forecast` reads the workspace and calls these.
"""
