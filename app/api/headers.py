"""The HTTP headers telling which run made an answer: ``X-Unggulan-Run`` (the run hash,
:class:`unggulan.core.ranking.run.RunInfo`) and ``X-Unggulan-Scenario`` (the scenario's
name, percent-encoded where it is not printable ASCII)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from unggulan.core.ranking.run import RunInfo


def header_value(text: str) -> str:
    """``text`` for an HTTP header: printable ASCII kept, anything else percent-encoded as
    UTF-8 (``urllib.parse.unquote`` gives the text back).

    >>> header_value("Permendagri 9/2014"), header_value("Kopi Séko")
    ('Permendagri 9/2014', 'Kopi%20S%C3%A9ko')
    """
    if all(32 <= ord(ch) < 127 for ch in text) and "%" not in text:
        return text
    return quote(text, safe="")


def run_headers(run: RunInfo | Mapping) -> dict[str, str]:
    """The headers of an output made by ``run``: a :class:`RunInfo`, or the metadata of an
    output (:meth:`RunInfo.to_dict`, a layer's ``attrs["unggulan"]``).

    >>> run_headers({"run_hash": "0123456789abcdef", "scenario": "bawaan / default"})
    {'X-Unggulan-Run': '0123456789abcdef', 'X-Unggulan-Scenario': 'bawaan / default'}
    """
    if isinstance(run, RunInfo):
        run_hash, scenario = run.run_hash, run.scenario
    else:
        run_hash, scenario = run["run_hash"], run["scenario"]
    return {"X-Unggulan-Run": str(run_hash), "X-Unggulan-Scenario": header_value(str(scenario))}
