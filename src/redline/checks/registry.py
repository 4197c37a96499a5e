"""The detectors, in the order they run (later ones may read earlier ones' scores/findings)."""

from __future__ import annotations

from importlib import import_module

# module name in redline.checks → it must define `make_detector(policy) -> Detector`.
DETECTOR_MODULES: tuple[str, ...] = (
    "commercial",  # first: sets scores["marketing"], which others read
    "diversion",
    "adlaw",
    "claims",
    "values",
    "substance",
    "sentiment",
    "price",  # last: reads diversion findings
)


def detector_factories():
    factories = []
    for name in DETECTOR_MODULES:
        try:
            module = import_module(f"redline.checks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"redline.checks.{name}":
                continue  # not written yet
            raise
        factories.append(module.make_detector)
    return factories
