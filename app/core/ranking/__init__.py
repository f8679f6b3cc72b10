"""From evidence to proposals: score components and weights (``scoring``), TOPSIS / VIKOR
(``mcda``), AHP weights (``ahp``), the ranked candidates with their reasons (``candidates``),
how stable they are (``stability``), what a run was made from (``run``), backtests of the
statistics-only proposals (``backtest``) and commodity zones (``zones``)."""
