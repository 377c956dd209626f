"""English and Traditional Chinese: the catalogue is complete and compiled."""

from pathlib import Path

import polib
import pytest
from django.urls import reverse

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hant" / "LC_MESSAGES"


def test_every_string_has_a_traditional_chinese_translation():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert po.percent_translated() == 100, [e.msgid for e in po.untranslated_entries()][:20]
    assert not po.fuzzy_entries()


def test_the_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    for entry in po.translated_entries():
        assert (entry.msgctxt, entry.msgid) in compiled, (
            f"run `make messages`: {entry.msgid!r} not compiled"
        )
        msgstr, plural = compiled[(entry.msgctxt, entry.msgid)]
        assert msgstr == entry.msgstr or plural == entry.msgstr_plural


@pytest.mark.django_db
def test_the_language_choice_is_remembered(login, caseworker):
    client = login(caseworker)
    response = client.post(
        reverse("set_language"), {"language": "zh-hant", "next": "/partners/agencies/"}
    )
    assert response.status_code == 302
    page = client.get(reverse("partners:agency_list")).content.decode()
    assert "合作機構" in page
    assert 'lang="zh-hant"' in page


@pytest.mark.django_db
def test_every_screening_question_and_checklist_title_is_translated():
    from django.utils import translation

    from victims.models import Indicator, IndicatorSet

    indicators = list(Indicator.objects.all())
    sets = list(IndicatorSet.objects.all())
    assert indicators and sets
    with translation.override("zh-hant"):
        untranslated = [i.text for i in indicators if i.display_text == i.text]
        untranslated += [s.title for s in sets if s.display_title == s.title]
    assert untranslated == []


def test_date_pickers_get_iso_values_in_every_language():
    import datetime

    from django.utils import translation

    from widgets import DateInput

    with translation.override("zh-hant"):
        html = DateInput().render("day", datetime.date(2026, 11, 21))
    assert 'type="date"' in html
    assert 'value="2026-11-21"' in html
