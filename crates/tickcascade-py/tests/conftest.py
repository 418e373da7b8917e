"""Shared helpers: where the repository's fixtures are."""

import pathlib

FIXTURES = pathlib.Path(__file__).resolve().parents[3] / "tests" / "fixtures"
