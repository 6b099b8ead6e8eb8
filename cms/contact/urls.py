from django.urls import path

from . import views

app_name = "contact"

urlpatterns = [
    path("projekt/<id:page_id>/", views.project_contact, name="project"),
]
