from django.urls import path

from . import views

urlpatterns = [
    path("", views.charta_overview, name="charta"),
    path("<slug:kind>/<str:code>/", views.term_detail, name="term"),
]
