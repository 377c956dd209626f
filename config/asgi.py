import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

# Only once the app registry is ready (get_asgi_application sets Django up).
from victims.checks import require_field_keys  # noqa: E402

# Refuse to serve with field keys that do not open the stored sentinel.
require_field_keys()

from config.runtime import tune_gc  # noqa: E402

tune_gc()
