"""The public site speaks German to every browser until an English translation exists."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["en-US,en;q=0.9", "fr", "de-DE"])
def test_every_browser_language_gets_german(client, site, accept):
    response = client.get("/suche/?page=abc", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code in (200, 400)
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in response.content.decode()
    # A Django-provided message would be English under an English locale.
    form = client.post("/zugang/", {}, HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert "This field is required" not in form
    assert "Pflichtfeld" in form or "erforderlich" in form or "Bitte" in form
