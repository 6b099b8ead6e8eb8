from django.urls import path

from . import views

app_name = "replication"

urlpatterns = [
    path("vergleich/", views.compare, name="compare"),
    path("<id:project_id>/", views.checklist, name="checklist"),
    path("<id:project_id>/checkliste.md", views.checklist_markdown, name="checklist_markdown"),
]
