import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings")
application = get_wsgi_application()

from festival.static_manifest import require_static_manifest  # noqa: E402  (needs settings set up)

require_static_manifest()
