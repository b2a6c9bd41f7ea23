"""Rules added while tuning against tests/corpus/dev4.jsonl (rules 2026.11-5): diplomacy only in a text about
this war (`requires`), weak cues that need a state, a government's agreement, translated phrasing, and masks for
what a weapon is for and for soldiers' medical evacuation. Sentences are written for these tests."""

from __future__ import annotations

import pytest

from tests.conftest import categories_of


@pytest.mark.parametrize(
    "body, expected",
    [
        # the same talks, about another conflict and about this war
        ("The foreign ministers of Serbia and Kosovo held a new round of talks in Brussels on Monday.", []),
        ("The foreign ministers of Ukraine and Poland held a new round of talks in Brussels on Monday.", ["diplomacy"]),
        ("A Russian general held talks with the junta in Niamey on military cooperation.", []),
        ("A Russian general held talks in Kyiv's absence with Turkish officials on the Black Sea and the war.",
         ["diplomacy"]),
        # a place in Ukraine or a weapon of this war is context enough
        ("Qatar mediated the return of eleven children from Kherson, the ombudsman said.", ["diplomacy"]),
        ("Moscow warned Berlin that sending Taurus missiles would be seen as direct involvement.", ["diplomacy"]),
    ],
)
def test_diplomacy_requires_this_war(body, expected):
    assert categories_of(body) == expected


@pytest.mark.parametrize(
    "body, expected",
    [
        ("Outpatient consultations will continue in the basement of the Kharkiv clinic.", []),
        ("The envoy held consultations with Moscow and Kyiv on the safety of the Zaporizhzhia plant.", ["diplomacy"]),
        ("Former delegation members spoke at a book fair in Lviv about their careers.", []),
        ("Ukrzaliznytsia signed an agreement with a Czech firm for 20 Ukrainian-built wagons.", []),
        ("The Dutch trade minister signed an agreement with the Ukrainian government on housing for the displaced.",
         ["diplomacy", "evacuations"]),
        ("The Minister of Foreign Affairs of Ukraine held the telephone conversation with the Minister of Foreign "
         "Affairs of Hungary.", ["diplomacy"]),
        ("\"We address to the Western sponsors of Kyiv: the responsibility is yours,\" the Russian minister said.",
         ["diplomacy"]),
        ("The IAEA director called both sides to the maximum restraint around the Zaporizhzhia plant.", ["diplomacy"]),
        ("Zelensky held a meeting with the heads of the regional administrations on the heating season.", []),
        ("Parliament factions in Kyiv continued negotiations on the new energy minister.", []),
    ],
)
def test_diplomacy_cues(body, expected):
    assert categories_of(body) == expected


@pytest.mark.parametrize(
    "body, expected",
    [
        ("Denmark pledged new interceptors for shooting down Shahed drones over Ukraine.", ["diplomacy"]),
        ("The brigade improved the evacuation of wounded soldiers from the Pokrovsk front.", []),
        ("Trucks organised with the UN refugee agency reached villages near Izium.", []),
        ("The governor decided to take out 200 children from the border villages to camps in the region.",
         ["evacuations"]),
    ],
)
def test_masks_and_translated_evacuations(body, expected):
    assert categories_of(body) == expected


# rules 2026.11-6, tuned on tests/corpus/dev5.jsonl (evacuations): sentences written for these tests
@pytest.mark.parametrize(
    "body, expected",
    [
        ("After the drone hit cracked its walls, the city ordered everyone out of the block in Sumy.",
         ["evacuations", "strikes"]),
        ("Forty residents of the damaged house in Kharkiv were moved to a hotel paid for by the city.", ["evacuations"]),
        ("About 900 people crossed from Ukraine into Moldova at Palanca last week, most of them families.",
         ["evacuations"]),
        ("The family escaped from occupied Oleshky through Crimea and now lives in Kyiv.",
         ["evacuations"]),
        ("Workers were evacuated from a Lviv office after a smell of gas in the basement.", []),
        ("Displaced people in Dnipro with savings above the threshold will no longer qualify for the allowance.", []),
        ("Wounded servicemen were evacuated to stabilisation points near Pokrovsk.", []),
        ("The regional administration says no residents need to be rehoused after the night in Nikopol.", []),
        ("Most Ukrainian refugees in Poland now have a job, a survey by the central bank found.", []),
        ("He urged residents of Kharkiv not to believe rumours about an evacuation.", []),
        ("The EU extended temporary protection for people who fled the war in Ukraine.", ["diplomacy"]),
    ],
)
def test_evacuation_rules(body, expected):
    assert categories_of(body) == expected


# rules 2026.11-7, tuned on tests/corpus/dev6.jsonl: sentences written for these tests
@pytest.mark.parametrize(
    "body, expected",
    [
        ("The Russian MFA said the responsibility for the strike on Sevastopol lies on Washington.", ["diplomacy"]),
        ("The ministry sent to the embassies of EU countries the note in which it warned against arms supplies to "
         "Kyiv.", ["diplomacy"]),
        ("Peskov said the contacts with Washington on Ukraine continue through the existing channels.", ["diplomacy"]),
        ("The ICRC said both sides agreed to a local pause in fighting near Vovchansk.", ["diplomacy"]),
        ("Contact with many residents of occupied Oleshky has been patchy for months.", []),
        ("The Ukrainian midfielder is in talks with a Premier League club over a transfer.", []),
        ("About 400 people, most of them mothers with children, crossed the border into Moldova from Odesa region.",
         ["evacuations"]),
        ("On Thursday 150 Ukrainian soldiers crossed the border from Belarus after the exchange.", ["diplomacy"]),
        ("The administration organised the resettlement of 300 residents of Kamianka-Dniprovska.", ["evacuations"]),
        ("A drone hit a car near Nikopol; the driver escaped unhurt.", ["strikes"]),
        ("Each refinery unit taken out of service by Ukrainian drones cuts Russia's fuel exports.", []),
        ("An air-raid alert was declared across Ukraine; the MiG-31K landed without any launches.", []),
    ],
)
def test_dev6_rules(body, expected):
    assert categories_of(body) == expected
