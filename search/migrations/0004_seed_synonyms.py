"""The first synonyms and abbreviations of municipal language; the Redaktion edits them in the admin."""

from django.db import migrations

SYNONYMS = [
    ("KI", "künstliche Intelligenz"),
    ("ÖPNV", "Nahverkehr\nöffentlicher Nahverkehr"),
    ("E-Auto", "Elektroauto\nElektrofahrzeug"),
    ("WLAN", "WiFi\nWi-Fi"),
    ("DSGVO", "Datenschutz-Grundverordnung"),
    ("IoT", "Internet der Dinge"),
    ("LoRaWAN", "LoRa"),
    ("OZG", "Onlinezugangsgesetz"),
    ("GIS", "Geoinformationssystem"),
    ("E-Government", "digitale Verwaltung"),
    ("Open Data", "offene Daten"),
    ("Smart City", "digitale Stadt"),
    ("Smart Region", "digitale Region"),
    ("Fahrrad", "Rad"),
    ("Ladesäule", "Ladestation\nLadepunkt"),
    ("Bürgerbeteiligung", "Partizipation"),
    ("RIS", "Ratsinformationssystem"),
    ("Mängelmelder", "Schadensmelder"),
    ("Digitaler Zwilling", "Digital Twin"),
    ("Carsharing", "Car-Sharing\nAutoteilen"),
    ("Rufbus", "On-Demand-Verkehr\nBedarfsverkehr"),
    ("Bürgerbüro", "Bürgerservice\nBürgeramt"),
]


def seed(apps, schema_editor):
    Synonym = apps.get_model("platform_search", "Synonym")
    for term, alternatives in SYNONYMS:
        Synonym.objects.get_or_create(term=term, defaults={"alternatives": alternatives})


def unseed(apps, schema_editor):
    Synonym = apps.get_model("platform_search", "Synonym")
    Synonym.objects.filter(term__in=[term for term, _ in SYNONYMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("platform_search", "0003_synonym")]

    operations = [migrations.RunPython(seed, unseed)]
