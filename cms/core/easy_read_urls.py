from django.urls import path

from . import easy_read

urlpatterns = [
    path("leichte-sprache/", easy_read.leichte_sprache, name="leichte_sprache"),
    path("gebaerdensprache/", easy_read.gebaerdensprache, name="gebaerdensprache"),
]
