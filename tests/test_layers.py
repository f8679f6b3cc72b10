"""The import guard (issue #31): the layers of ``app/`` import downwards only.

::

    base  <-  io  <-  core  <-  maps, reports  <-  api, cli          (the top: __init__,
                                                                       __main__, settings)

Every module under ``app/`` is parsed with :mod:`ast` and EVERY import is collected: at module
level and inside functions and methods, ``import x``, ``from x import y`` (also relative), and
the string given to ``importlib.import_module`` / ``__import__``. Four rules are checked:

1. **Layers** (:data:`ALLOWED`): a module imports only from its own layer and those below.
   ``maps`` and ``reports`` never import each other; ``cli`` never imports ``api`` (``serve``
   hands uvicorn the *string* ``"unggulan.api.main:create_app"``, so each worker process
   imports the app itself: the one sanctioned link, and not an import of cli.py).
   ``from unggulan import Dataset`` counts as the module the root package re-exports it from
   (``unggulan.core.dataset``); the root's own dunder constants (``__version__``) may be
   imported from anywhere. ``unggulan.settings`` is a compatibility shim for code outside
   the package: inside it, import ``unggulan.base.settings``.
2. **Private names**: no ``_name`` is imported from another module (``from unggulan.a import
   _b``), nor read off an imported module (``import unggulan.a as m; m._b``): make it public
   (and documented) or move it.
3. **The Dataset's cache**: ``._cache`` is touched only in ``app/core/dataset.py`` (elsewhere
   ``ds.cached(key, build)``); a class's own ``self._cache`` is its business.
4. **Settings**: ``core``, ``maps`` and ``reports`` never call ``Settings()`` (they read
   ``ds.settings``; the service and the CLI pass theirs to ``Dataset.open``), except
   ``Dataset.open``'s default (:data:`SETTINGS_READERS`).

The failure lists each offending ``file:line`` with the arrow it breaks. :data:`KNOWN` holds
the violations still present while the session-7 helpers fix them in their areas (each with
its owner); the test fails on a NEW violation and also when a KNOWN one is gone, so that the
list is kept honest until it is empty.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
PACKAGE = "unggulan"

#: the layers each layer may import (besides the root's dunder constants)
ALLOWED: dict[str, set[str]] = {
    "base": {"base"},
    "io": {"base", "io"},
    "core": {"base", "io", "core"},
    "maps": {"base", "io", "core", "maps"},
    "reports": {"base", "io", "core", "reports"},
    "api": {"base", "io", "core", "maps", "reports", "api"},
    "cli": {"base", "io", "core", "maps", "reports", "cli"},
}
#: the one place below the api and cli that reads the settings itself: Dataset.open's default
#: when it is handed none (a notebook); everything else takes ``ds.settings``
SETTINGS_READERS = {"app/core/dataset.py"}
#: the top-level modules: above everything, they may import anything
TOP_MODULES = {PACKAGE, f"{PACKAGE}.__main__", f"{PACKAGE}.settings"}
LAYERS = set(ALLOWED)

#: violations allowed for now, "file: what (target)" -> why; none are left (#31)
KNOWN: dict[str, str] = {}


@dataclass(frozen=True)
class Violation:
    file: str  # relative to the repository, e.g. app/maps/pages.py
    line: int
    what: str  # "maps -> reports", "private name", "Dataset cache"
    target: str  # the module or name

    @property
    def key(self) -> str:
        """Without the line number, which moves as the file is edited."""
        return f"{self.file}: {self.what} ({self.target})"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.what} ({self.target})"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def layer_of(module: str) -> str:
    """base, io, core, maps, reports, api, cli or top."""
    if module in TOP_MODULES:
        return "top"
    part = module.split(".")[1]
    return part if part in LAYERS else "top"


def module_exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:]) if module != PACKAGE else Path()
    return (APP / rel).with_suffix(".py").is_file() or (APP / rel / "__init__.py").is_file()


def root_reexports() -> dict[str, str]:
    """The names ``app/__init__.py`` imports: name -> the module it comes from."""
    out = {}
    for node in ast.walk(ast.parse((APP / "__init__.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                out[alias.asname or alias.name] = node.module
    return out


def resolve_relative(module: str, package: bool, level: int, name: str | None) -> str:
    """The absolute module of ``from <level dots><name> import ...`` inside ``module``."""
    base = module.split(".") if package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def string_import(node: ast.Call, module: str, package: bool) -> str | None:
    """The module named by ``importlib.import_module("...")`` / ``__import__("...")``."""
    func = node.func
    called = (func.attr if isinstance(func, ast.Attribute) else
              func.id if isinstance(func, ast.Name) else None)
    if called not in ("import_module", "__import__") or not node.args:
        return None
    arg = node.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        name = arg.value
        if name.startswith("."):
            level = len(name) - len(name.lstrip("."))
            return resolve_relative(module, package, level, name.lstrip(".") or None)
        return name
    if (isinstance(arg, ast.JoinedStr) and arg.values
            and isinstance(arg.values[0], ast.FormattedValue)
            and isinstance(arg.values[0].value, ast.Name)
            and arg.values[0].value.id == "__name__"):
        return module  # f"{__name__}.{x}": a module of this package, the same layer
    return None


def imports_of(tree: ast.Module, path: Path):
    """Every import in the module: (line, imported module, names taken from it or None,
    the name ``import x as m`` binds)."""
    module, package = module_name(path), is_package(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None, alias.asname
        elif isinstance(node, ast.ImportFrom):
            target = (resolve_relative(module, package, node.level, node.module)
                      if node.level else node.module or "")
            yield node.lineno, target, node.names, None
        elif isinstance(node, ast.Call):
            target = string_import(node, module, package)
            if target:
                yield node.lineno, target, None, None


def check_file(path: Path, reexports: dict[str, str]) -> list[Violation]:
    rel = path.relative_to(ROOT).as_posix()
    module = module_name(path)
    mine = layer_of(module)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[Violation] = []
    module_aliases: dict[str, str] = {}  # local name bound to one of our modules -> module

    def check_layer(line: int, target: str) -> None:
        theirs = layer_of(target)
        if mine == "top" or theirs == mine:
            return
        if theirs == "top" or theirs not in ALLOWED[mine]:
            out.append(Violation(rel, line, f"{mine} -> {theirs}", target))

    for line, target, names, asname in imports_of(tree, path):
        if target != PACKAGE and not target.startswith(PACKAGE + "."):
            continue  # the standard library or a dependency
        if names is None:  # import unggulan.x.y [as m], or a string import
            if target != PACKAGE:
                check_layer(line, target)
            if asname:
                module_aliases[asname] = target
            continue
        for alias in names:
            name, bound = alias.name, alias.asname or alias.name
            sub = f"{target}.{name}"
            if module_exists(sub):  # from unggulan.x import module
                check_layer(line, sub)
                module_aliases[bound] = sub
                continue
            if target == PACKAGE:  # from unggulan import Dataset / __version__
                if name.startswith("__") and name.endswith("__"):
                    continue
                check_layer(line, reexports.get(name, PACKAGE))
                continue
            check_layer(line, target)
            if name.startswith("_") and not name.startswith("__") and target != module:
                out.append(Violation(rel, line, "private name", f"{target}.{name}"))

    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value.id if isinstance(node.value, ast.Name) else None
        if (owner in module_aliases and node.attr.startswith("_")
                and not node.attr.startswith("__") and module_aliases[owner] != module):
            out.append(Violation(rel, node.lineno, "private name",
                                 f"{module_aliases[owner]}.{node.attr}"))
        if (node.attr == "_cache" and owner not in ("self", "cls")
                and rel != "app/core/dataset.py"):
            src = ast.unparse(node.value)
            out.append(Violation(rel, node.lineno, "Dataset cache", f"{src}._cache"))
    if mine in ("core", "maps", "reports") and rel not in SETTINGS_READERS:
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "Settings"):
                out.append(Violation(rel, node.lineno, "Settings()", "use ds.settings"))
    return sorted(set(out), key=lambda v: (v.file, v.line, v.what, v.target))


def all_violations() -> list[Violation]:
    reexports = root_reexports()
    found: list[Violation] = []
    for path in sorted(APP.rglob("*.py")):
        if "vendor" in path.relative_to(APP).parts:
            continue
        found += check_file(path, reexports)
    return found


def report(found: list[Violation], known: dict[str, str]) -> list[str]:
    """The failure's lines: new violations, then KNOWN entries that are gone."""
    new = [v for v in found if v.key not in known]
    seen = {v.key for v in found}
    gone = sorted(k for k in known if k not in seen)
    msg = []
    if new:
        msg.append("imports against the layers base <- io <- core <- {maps, reports} <- "
                   "{api, cli} (see the docstring of tests/test_layers.py):")
        msg += [f"  {v}" for v in new]
    if gone:
        msg.append("fixed, so remove from KNOWN in tests/test_layers.py:")
        msg += [f"  {k!r}  ({known[k]})" for k in gone]
    return msg


def test_layers_import_downward_only():
    msg = report(all_violations(), KNOWN)
    if msg:
        pytest.fail("\n".join(msg), pytrace=False)


# the guard itself, on small sources -------------------------------------------------------

def _check_source(tmp_path: Path, rel: str, source: str, monkeypatch) -> list[str]:
    """Violations of one made-up module placed at ``rel`` under a copy-free fake app/."""
    fake_app = tmp_path / "app"
    for pkg in ("base", "io", "core", "core/ranking", "maps", "reports", "api"):
        (fake_app / pkg).mkdir(parents=True, exist_ok=True)
        (fake_app / pkg / "__init__.py").write_text("")
    (fake_app / "__init__.py").write_text("from unggulan.core.dataset import Dataset\n"
                                          "__version__ = '0'\n")
    for mod in ("core/dataset.py", "core/ranking/candidates.py", "maps/pages.py",
                "reports/brief.py", "api/main.py", "io/exports.py", "cli.py"):
        (fake_app / mod).write_text("")
    path = fake_app / rel
    path.write_text(source)
    import sys

    me = sys.modules[__name__]
    monkeypatch.setattr(me, "APP", fake_app)
    monkeypatch.setattr(me, "ROOT", tmp_path)
    return [str(v) for v in check_file(path, root_reexports())]


def test_guard_finds_imports_inside_functions_and_by_string(tmp_path, monkeypatch):
    src = ("import importlib\n"
           "from unggulan.core.dataset import Dataset\n"
           "def f():\n"
           "    from unggulan.reports.brief import write_brief\n"
           "    import unggulan.api.main\n"
           "    return importlib.import_module('unggulan.reports')\n")
    found = _check_source(tmp_path, "maps/pages.py", src, monkeypatch)
    assert found == ["app/maps/pages.py:4: maps -> reports (unggulan.reports.brief)",
                     "app/maps/pages.py:5: maps -> api (unggulan.api.main)",
                     "app/maps/pages.py:6: maps -> reports (unggulan.reports)"]


def test_guard_resolves_relative_imports_and_the_root_package(tmp_path, monkeypatch):
    src = ("from . import dataset\n"
           "from ..maps import pages\n"
           "from unggulan import Dataset, __version__\n"
           "from unggulan.settings import Settings\n")
    found = _check_source(tmp_path, "core/scenario.py", src, monkeypatch)
    assert found == ["app/core/scenario.py:2: core -> maps (unggulan.maps.pages)",
                     "app/core/scenario.py:4: core -> top (unggulan.settings)"]
    # the root package's re-export is the module it comes from: io may not have Dataset
    found = _check_source(tmp_path, "io/readers.py", "from unggulan import Dataset\n",
                          monkeypatch)
    assert found == ["app/io/readers.py:1: io -> core (unggulan.core.dataset)"]


def test_guard_finds_private_names_and_the_cache(tmp_path, monkeypatch):
    src = ("from unggulan.core.ranking.candidates import _score, public\n"
           "from unggulan.core.ranking import candidates as cand\n"
           "def f(ds):\n"
           "    cand._weights\n"
           "    ds._cache['x'] = 1\n"
           "    self._cache = {}\n")
    found = _check_source(tmp_path, "api/routes.py", src, monkeypatch)
    assert found == [
        "app/api/routes.py:1: private name (unggulan.core.ranking.candidates._score)",
        "app/api/routes.py:4: private name (unggulan.core.ranking.candidates._weights)",
        "app/api/routes.py:5: Dataset cache (ds._cache)"]
    # the facade owns its cache; a module's own private names are its own
    assert _check_source(tmp_path, "core/dataset.py",
                         "from unggulan.core.dataset import _x\ndef f(ds):\n"
                         "    ds._cache.clear()\n", monkeypatch) == []


def test_cli_and_api_stay_apart(tmp_path, monkeypatch):
    assert _check_source(tmp_path, "cli.py", "from unggulan.api.main import create_app\n",
                         monkeypatch) == ["app/cli.py:1: cli -> api (unggulan.api.main)"]
    assert _check_source(tmp_path, "api/main.py", "import unggulan.cli\n",
                         monkeypatch) == ["app/api/main.py:1: api -> cli (unggulan.cli)"]


def test_guard_finds_settings_read_below_the_service(tmp_path, monkeypatch):
    src = ("from unggulan.base.settings import Settings\n"
           "def f():\n"
           "    return Settings().cache_path()\n")
    assert _check_source(tmp_path, "core/partitioned.py", src, monkeypatch) == [
        "app/core/partitioned.py:3: Settings() (use ds.settings)"]
    assert _check_source(tmp_path, "api/main.py", src, monkeypatch) == []


def test_known_violations_are_kept_honest():
    found = [Violation("app/maps/a.py", 3, "maps -> reports", "unggulan.reports.brief"),
             Violation("app/maps/a.py", 9, "maps -> reports", "unggulan.reports.brief")]
    key = "app/maps/a.py: maps -> reports (unggulan.reports.brief)"
    assert report(found, {key: "M maps"}) == []  # one entry covers the file's lines
    assert report(found, {}) == [
        report(found, {})[0],
        "  app/maps/a.py:3: maps -> reports (unggulan.reports.brief)",
        "  app/maps/a.py:9: maps -> reports (unggulan.reports.brief)"]
    assert report([], {key: "M maps"}) == [
        "fixed, so remove from KNOWN in tests/test_layers.py:", f"  {key!r}  (M maps)"]
