"""E-mail alerts under /benachrichtigungen/ (namespace "alerts")."""

from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("benachrichtigungen/suche/", views.subscribe_search, name="search"),
    path("benachrichtigungen/projekt/<id:page_id>/", views.follow_project, name="project"),
    path("benachrichtigungen/angefordert/", views.requested, name="requested"),
    path("benachrichtigungen/bestaetigen/<str:token>/", views.confirm_subscription, name="confirm"),
    path("benachrichtigungen/abmelden/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
