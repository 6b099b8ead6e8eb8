from django.urls import path

from . import views

urlpatterns = [path("", views.search, name="search")]

api_urlpatterns = [
    path("search/", views.api_search, name="api_search"),
    path("suggest/", views.api_suggest, name="api_suggest"),
]
