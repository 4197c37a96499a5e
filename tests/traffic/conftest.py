"""A small demo community with merchants, built once for the traffic tests that read it."""

from __future__ import annotations


import pytest

from .demo_home import build_demo_home


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory, policy):
    root = tmp_path_factory.mktemp("traffic-demo")
    return build_demo_home(root, policy)


@pytest.fixture
def redline_cli(demo_home, monkeypatch, capsys):
    """Run `redline …` on the demo data home; returns (exit code, stdout, stderr)."""
    from support.cli import run_cli

    home, _, _ = demo_home
    monkeypatch.setenv("REDLINE_HOME", str(home.root))

    def invoke(*args: str) -> tuple[int, str, str]:
        return run_cli(monkeypatch, capsys, *args)

    return invoke
