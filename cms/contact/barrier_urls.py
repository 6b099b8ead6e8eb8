from django.urls import path

from . import barrier

urlpatterns = [
    path("", barrier.barrier_report, name="barrier_report"),
    path("danke/", barrier.barrier_thanks, name="barrier_thanks"),
]
