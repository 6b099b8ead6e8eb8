"""Feeds and alerts, included at the site root."""

from django.urls import include, path

urlpatterns = [
    path("", include("syndication.feed_urls")),
    path("", include("syndication.alert_urls")),
]
