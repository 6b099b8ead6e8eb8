"""registry.comparability: orderings on real registry rows, bounds, symmetry and exact texts.

Properties we guarantee (see the module docstring):

* 0 <= score <= 100; without shared partners at most 90.
* Symmetric: score(a, b, p) == score(b, a, p), bit for bit.
* Nothing is more comparable to a municipality than itself: score(a, b) <= score(a, a) == 90.
* The score is the sum of its components; more shared partners never lower it and count
  at most twice.
* Without partners, a different size class never reaches the "vergleichbar" threshold.
"""

import random
from dataclasses import replace

import pytest

from registry import comparability
from registry.comparability import (
    COMPARABLE_THRESHOLD,
    WEIGHTS,
    Profile,
    explain,
    format_number,
    round_population,
    score,
)
from tests.factories import sample_municipalities

BOITZENBURGER_LAND = "12073069"  # Landgemeinde, 3,064 inhabitants, Uckermark (Brandenburg), rural
LYCHEN = "12073384"  # Landgemeinde, 3,139, also Uckermark
GUMTOW = "12070149"  # Landgemeinde, 3,241, Prignitz (Brandenburg), ~100 km away
KIRCHENTHUMBACH = "09374129"  # Landgemeinde, 3,237, Bayern: as close in population as Gumtow
BAD_ENDORF = "09187128"  # Kleinstadt, 8,452, Bayern
MUENCHEN = "09162000"  # Großstadt
BOPPARD = "07140501"  # Kleinstadt, Rheinland-Pfalz
HEIDENROD = "06439005"  # Kleinstadt, Hessen, 29 km from Boppard
OBERRIED = "08315084"  # Landgemeinde, Breisgau-Hochschwarzwald
FREIBURG = "08311000"  # Großstadt, its own district, 10 km from Oberried


@pytest.fixture
def registry_rows(db) -> dict[str, Profile]:
    rows = sample_municipalities(
        [BOITZENBURGER_LAND, LYCHEN, GUMTOW, KIRCHENTHUMBACH, BAD_ENDORF, MUENCHEN, BOPPARD, HEIDENROD]
    )
    return {ags: Profile.from_municipality(m) for ags, m in rows.items()}


def ranking(mine: Profile, others: list[Profile]) -> list[str]:
    return [o.ags for o in sorted(others, key=lambda o: -score(mine, o).score)]


def test_brandenburg_village_ranks_same_state_village_then_bavarian_village_then_town_then_city(registry_rows):
    mine = registry_rows[BOITZENBURGER_LAND]
    others = [registry_rows[a] for a in (MUENCHEN, BAD_ENDORF, KIRCHENTHUMBACH, GUMTOW, LYCHEN)]
    assert ranking(mine, others) == [LYCHEN, GUMTOW, KIRCHENTHUMBACH, BAD_ENDORF, MUENCHEN]
    # Kirchenthumbach is even marginally closer in population than Gumtow: the state decides.
    gumtow, bavarian = score(mine, registry_rows[GUMTOW]), score(mine, registry_rows[KIRCHENTHUMBACH])
    assert bavarian.components["population"] > gumtow.components["population"]
    assert WEIGHTS["state"] - 0.2 < gumtow.score - bavarian.score < WEIGHTS["state"]


def test_scores_and_components_of_the_example(registry_rows):
    mine = registry_rows[BOITZENBURGER_LAND]
    assert [score(mine, registry_rows[a]).score for a in (LYCHEN, GUMTOW, KIRCHENTHUMBACH, BAD_ENDORF, MUENCHEN)] == [
        89.4,
        83.6,
        78.7,
        26.1,
        0.1,
    ]
    lychen = score(mine, registry_rows[LYCHEN])
    assert lychen.components == {
        "size_class": 40.0,
        "population": pytest.approx(25 * 3064 / 3139),
        "urbanisation": 15.0,
        "state": 5.0,
        "proximity": 5.0,
        "partners": 0.0,
    }
    assert lychen.reasons == (
        "gleiche Gemeindegröße (Landgemeinde)",
        "ähnlich viele Einwohner (3.140 statt 3.060)",
        "ebenfalls ländlich",
        "gleiches Land (Brandenburg)",
        "gleicher Kreis",
    )
    assert lychen.comparable and not score(mine, registry_rows[BAD_ENDORF]).comparable


def test_profile_from_a_registry_row(registry_rows):
    assert registry_rows[BAD_ENDORF] == Profile(
        ags=BAD_ENDORF,
        name="Bad Endorf",
        population=8452,
        size_class="kleinstadt",
        urbanisation="2",
        state_code="09",
        state_name="Bayern",
        district_ags="09187",
        lat=47.908862,
        lon=12.298542,
    )


@pytest.mark.parametrize(
    "mine,other,partners,text",
    [
        (
            BOITZENBURGER_LAND,
            LYCHEN,
            0,
            "Landgemeinde wie Sie, 3.140 Einwohner, ländlich, Brandenburg (gleicher Kreis)",
        ),
        (BOITZENBURGER_LAND, GUMTOW, 0, "Landgemeinde wie Sie, 3.240 Einwohner, ländlich, Brandenburg (gleiches Land)"),
        (BOITZENBURGER_LAND, KIRCHENTHUMBACH, 0, "Landgemeinde wie Sie, 3.240 Einwohner, ländlich, Bayern"),
        (BOITZENBURGER_LAND, BAD_ENDORF, 0, "Kleinstadt, 8.450 Einwohner, halbstädtisch, Bayern"),
        (BOITZENBURGER_LAND, MUENCHEN, 0, "Großstadt, 1.510.000 Einwohner, städtisch, Bayern"),
        (BAD_ENDORF, MUENCHEN, 0, "Großstadt, 1.510.000 Einwohner, städtisch, Bayern (gleiches Land)"),
        (BOPPARD, HEIDENROD, 0, "Kleinstadt wie Sie, 7.910 Einwohner, ländlich, Hessen (Nachbarkreis)"),
        (
            OBERRIED,
            FREIBURG,
            0,
            "Großstadt, 237.000 Einwohner, städtisch, Baden-Württemberg (gleiches Land, Nachbarkreis)",
        ),
        (
            BOPPARD,
            BAD_ENDORF,
            1,
            "Kleinstadt wie Sie, 8.450 Einwohner, halbstädtisch, Bayern, 1 gemeinsame Partnerkommune",
        ),
        (BAD_ENDORF, BAD_ENDORF, 0, "Ihre eigene Kommune, Kleinstadt, 8.450 Einwohner, halbstädtisch, Bayern"),
    ],
)
def test_explanations_are_exact(csv_profiles, mine, other, partners, text):
    assert explain(csv_profiles[mine], csv_profiles[other], shared_partners=partners) == text


def test_neighbour_reason_names_the_distance(csv_profiles):
    result = score(csv_profiles[BOPPARD], csv_profiles[HEIDENROD])
    assert "Nachbarkreis (rund 29 km entfernt)" in result.reasons
    assert result.components["state"] == 0 and result.components["proximity"] == 5
    assert result.distance_km == pytest.approx(28.9, abs=0.1)


@pytest.mark.parametrize(
    "n,text", [(0, "0"), (999, "999"), (2844, "2.840"), (2845, "2.850"), (11793, "11.800"), (1510378, "1.510.000")]
)
def test_population_is_rounded_to_three_significant_digits_with_german_separators(n, text):
    assert format_number(round_population(n)) == text


def test_weights_add_up_to_100_and_the_threshold_needs_the_same_size_class():
    assert sum(WEIGHTS.values()) == 100
    best_other_class = (
        comparability.SIZE_CLASS_ADJACENT
        + comparability.POPULATION_MAX
        + comparability.URBANISATION_SAME
        + comparability.STATE_SAME
        + comparability.PROXIMITY
    )
    assert best_other_class < COMPARABLE_THRESHOLD


def _pairs(profiles: dict[str, Profile], n: int, seed: int) -> list[tuple[Profile, Profile]]:
    rng = random.Random(seed)
    values = list(profiles.values())
    pairs = [(rng.choice(values), rng.choice(values)) for _ in range(n)]
    # Plus pairs that are close, where proximity and district matter.
    by_district: dict[str, list[Profile]] = {}
    for p in values:
        by_district.setdefault(p.district_ags, []).append(p)
    for members in rng.sample(list(by_district.values()), 200):
        pairs.append((rng.choice(members), rng.choice(members)))
    return pairs


def test_bounds_symmetry_identity_and_sum_on_registry_pairs(csv_profiles):
    for a, b in _pairs(csv_profiles, 5000, seed=20240917):
        ab, ba = score(a, b), score(b, a)
        assert 0 <= ab.score <= 90
        assert ab.score == ba.score and ab.components == ba.components and ab.distance_km == ba.distance_km
        assert ab.score <= score(a, a).score == 90
        assert ab.score == round(sum(ab.components.values()), 1)
        if a.size_class != b.size_class:
            assert not ab.comparable
        for partners in (1, 2, 3, 7):
            with_partners = score(a, b, shared_partners=partners)
            assert with_partners.score == score(b, a, shared_partners=partners).score
            assert ab.score <= with_partners.score <= 100
            assert with_partners.components["partners"] == 5 * min(partners, 2)


def test_closer_population_never_scores_lower(csv_profiles):
    mine = csv_profiles[BOITZENBURGER_LAND]
    template = csv_profiles[KIRCHENTHUMBACH]
    scores = [score(mine, replace(template, population=p)).score for p in (3064, 3500, 4000, 4500, 4999)]
    assert scores == sorted(scores, reverse=True)


def test_missing_data_is_tolerated():
    bare = Profile(ags="12345678", name="Irgendwo", population=0, size_class="")
    other = Profile(ags="87654321", name="Anderswo", population=0, size_class="")
    result = score(bare, other)
    assert result.score == 25.0  # two empty places count as equal in population, nothing else is known
    assert result.distance_km is None
    assert explain(bare, other) == "0 Einwohner"


def test_reasons_for_the_same_municipality(csv_profiles):
    own = score(csv_profiles[BAD_ENDORF], csv_profiles[BAD_ENDORF])
    assert own.score == 90 and own.comparable
    assert own.reasons == (
        "gleiche Gemeindegröße (Kleinstadt)",
        "gleich viele Einwohner (8.450)",
        "ebenfalls halbstädtisch",
        "gleiches Land (Bayern)",
        "gleicher Kreis",
    )
