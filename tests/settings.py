"""The settings the test suite runs with (pyproject.toml, [tool.pytest.ini_options]):
config.settings in development mode, as `make run` has it (HARBOR_DEBUG=true: generated
keys, no second factor required, plain HTTP), unless the environment says otherwise.
pytest-django still runs each test with DEBUG off, as production does."""

import os

os.environ.setdefault("HARBOR_DEBUG", "true")

from config.settings import *  # noqa: F403
