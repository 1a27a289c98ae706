"""The stack fixture, shared by every integration test in the repository."""

from collections.abc import Iterator

import pytest

from tests.integration.stack import Stack, provide_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    yield from provide_stack()
