"""API routes of the submissions app (included under /api/ by submissions.urls)."""

from rest_framework.routers import SimpleRouter

from submissions import api

router = SimpleRouter()
router.register("submissions/ai-tools", api.AIToolViewSet, basename="ai-tool")
router.register("submissions", api.SubmissionViewSet, basename="submission")
urlpatterns = router.urls
