"""The translation catalogues (issue 24 item 15), read as Django reads them.

Django merges every app's catalogue into one translation domain: one English text (with its
context) has one Chinese translation across the whole site, and when two catalogues disagree one
of them silently wins — the first app in ``INSTALLED_APPS``, where Django's own admin comes
before ours (its "Filter" is 过滤器). So:

* each catalogue is complete: no empty or fuzzy translation, and its compiled ``.mo`` is the
  ``.po`` (a forgotten ``msgfmt`` leaves the site on the old text);
* one (context, English text) has one translation in all our catalogues, and it is what Django
  answers in 简体中文 (no other catalogue, ours or a dependency's, overrides it); a word that
  means two things is two entries with their own contexts (``pgettext``);
* a translation keeps the placeholders of its English text and ends a sentence once, in one
  width (no "。。", no "。." and no half-width stop after Chinese);
* every text the source marks for translation (``makemessages``, run on a copy of the source)
  has a translation.

The browser test ``tests/e2e/test_languages.py`` checks the rendered pages.
"""

from __future__ import annotations

import functools
import re
import shutil
from collections import defaultdict
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.utils import translation

import fairdesk

SRC = Path(fairdesk.__file__).parent
LOCALE = Path("locale/zh_Hans/LC_MESSAGES")
CATALOGUES = sorted(SRC.glob(f"*/{LOCALE}/django.po"))

HAN = r"\u3400-\u9fff\uf900-\ufaff"
#: Sentence ends and list marks, full-width and half-width.
FULL_STOPS = "。！？；，、："
#: A sentence ended twice, or in two widths: "。。", "。.", ".。", "！。", "，。"…
TWICE = re.compile(rf"[{FULL_STOPS}][{FULL_STOPS}.!?;,]|[.!?;,][{FULL_STOPS}]")
#: A half-width stop right after a Chinese character (the translation's sentence end is 。).
HALF_AFTER_HAN = re.compile(rf"[{HAN}][.!?;,:](?!\d)")
#: A space after a full-width sentence end inside a translation: the sentences were joined the
#: English way ("。 处理结果").
SPACE_AFTER_FULL = re.compile(r"[。！？] +(?=\S)")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{(\w*)\}")


def key(entry: polib.POEntry | polib.MOEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def translations(entry: polib.POEntry | polib.MOEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


@functools.cache
def catalogues() -> dict[str, list[polib.POEntry]]:
    """{app: its live entries} (obsolete ``#~`` entries are not translations)."""
    assert CATALOGUES, f"no catalogue under {SRC}"
    return {
        path.parts[-5]: [e for e in polib.pofile(str(path)) if not e.obsolete]
        for path in CATALOGUES
    }


def every_entry() -> list[tuple[str, polib.POEntry]]:
    return [(app, e) for app, entries in catalogues().items() for e in entries]


def describe(app: str, entry: polib.POEntry) -> str:
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{app}: {context}{entry.msgid!r} → {translations(entry)}"


def test_every_catalogue_is_complete_and_compiled() -> None:
    problems = []
    for app, entries in catalogues().items():
        for entry in entries:
            if entry.fuzzy:
                problems.append(f"fuzzy: {describe(app, entry)}")
            if not all(t.strip() for t in translations(entry)):
                problems.append(f"untranslated: {describe(app, entry)}")
        compiled = polib.mofile(str(SRC / app / LOCALE / "django.mo"))
        have = {key(e): tuple(translations(e)) for e in compiled if e.msgid}
        want = {key(e): tuple(translations(e)) for e in entries if not e.fuzzy}
        if have != want:
            changed = sorted(str(k) for k in set(have.items()) ^ set(want.items()))
            problems.append(f"{app}: django.mo is not the compiled django.po ({changed[:3]}…)")
    assert not problems, "\n".join(problems)


def test_one_text_has_one_translation() -> None:
    """The same (context, English text) translated differently in two apps: whichever Django
    loads first wins, so one of them is a guess. Give one of them a context."""
    seen: dict[tuple[str | None, str], dict[str, list[str]]] = defaultdict(dict)
    for app, entry in every_entry():
        seen[key(entry)][app] = translations(entry)
    conflicts = [
        f"{k}: {apps}" for k, apps in seen.items() if len({tuple(t) for t in apps.values()}) > 1
    ]
    assert not conflicts, "one text, several translations:\n" + "\n".join(conflicts)


def test_django_answers_each_text_with_our_translation() -> None:
    """No other catalogue — Django's own (its admin's "Filter" is 过滤器), a dependency's — takes
    the place of ours."""
    wrong = []
    with translation.override("zh-hans"):
        for app, entry in every_entry():
            want = translations(entry)[0]
            if entry.msgid_plural:
                got = (
                    translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
                    if entry.msgctxt
                    else translation.ngettext(entry.msgid, entry.msgid_plural, 1)
                )
            elif entry.msgctxt:
                got = translation.pgettext(entry.msgctxt, entry.msgid)
            else:
                got = translation.gettext(entry.msgid)
            if got != want:
                wrong.append(f"{describe(app, entry)}, but Django says {got!r}")
    assert not wrong, "translations overridden by another catalogue:\n" + "\n".join(wrong)


def test_translations_keep_placeholders_and_end_sentences_once() -> None:
    problems = []
    for app, entry in every_entry():
        # Chinese has one plural form: the plural's placeholders ("the next %(periods)s")
        english = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in translations(entry):
            if sorted(PLACEHOLDER.findall(text)) != english:
                problems.append(f"placeholders differ: {describe(app, entry)}")
            for name, pattern in (
                ("a sentence ended twice or in two widths", TWICE),
                ("a half-width stop after Chinese", HALF_AFTER_HAN),
                ("a space after a full-width stop", SPACE_AFTER_FULL),
            ):
                found = pattern.search(text)
                if found:
                    problems.append(f"{name} ({found.group()!r}): {describe(app, entry)}")
    assert not problems, "\n".join(problems)


def extracted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> polib.POFile:
    """What ``makemessages`` finds in the source: run on a copy without the apps' catalogues,
    so that every text lands in one new catalogue and nothing in the tree changes."""
    copy = tmp_path / "fairdesk"
    shutil.copytree(
        SRC,
        copy,
        ignore=shutil.ignore_patterns(
            "locale", "tests", "migrations", "__pycache__", "data", "_compiled", "static"
        ),
    )
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["zh_Hans"], no_location=True, verbosity=0)
    return polib.pofile(str(copy / LOCALE / "django.po"))


def test_every_text_in_the_source_has_a_translation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = {key(e) for _app, e in every_entry()}
    found = extracted(tmp_path, monkeypatch)
    missing = [
        f"[{e.msgctxt}] {e.msgid!r}" if e.msgctxt else repr(e.msgid)
        for e in found
        if key(e) not in ours
    ]
    assert len(found) > 1000, "makemessages found too little: is xgettext installed?"
    assert not missing, "texts with no translation in any catalogue:\n" + "\n".join(missing)


def test_the_checks_catch_what_they_are_for() -> None:
    """The patterns themselves, on the mistakes they are for."""
    assert TWICE.search("已处理，待您确认。处理结果：已更换。。")
    assert TWICE.search("请稍候。.")
    assert HALF_AFTER_HAN.search("已保存.")
    assert not HALF_AFTER_HAN.search("版本 2.5")
    assert SPACE_AFTER_FULL.search("已处理，待您确认。 处理结果")
    assert sorted(PLACEHOLDER.findall("%(n)s 个，共 %(total)d")) == [("n", ""), ("total", "")]
