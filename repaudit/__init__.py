"""repaudit: audit how representative each English school's intake is of its local community.

Python API: `repaudit.audit(wh, indicators=("fsm",), community="nearby-schools", ...)` returns an
AuditResult (data frames .schools, .trusts, .areas, .lsoas and a dict .meta); `repaudit.results.write`
writes it to files. See repaudit/auditing/run.py for the parameters.

The API is imported on first use, so that `import repaudit` is instant and a Ctrl-C while the command
starts is caught by the command, not shown as a traceback.
"""
import importlib

__version__ = "0.1.0"

_API = {"audit": ("auditing.run", "audit"), "AuditResult": ("auditing.result", "AuditResult"),
        "results": ("results", None)}


def __getattr__(name):
    if name not in _API:
        raise AttributeError(f"module 'repaudit' has no attribute '{name}'")
    module_name, attribute = _API[name]
    module = importlib.import_module(f".{module_name}", __name__)
    return module if attribute is None else getattr(module, attribute)


__all__ = ["audit", "AuditResult", "results", "__version__"]
