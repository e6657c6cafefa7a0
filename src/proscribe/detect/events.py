"""Date expressions of designated violent events, generated from the event's `date` in the registry.

For an event on 2023-10-07 the matcher learns "7 October", "October 7th",
"Oct. 7", "7th of October", "7 octobre", "7. Oktober", "7 de octubre",
"7 Ekim", "7 октября", "7 באוקטובר", "7 أكتوبر", "السابع من أكتوبر",
"7 تشرين الأول", "7 اکتبر" / "۷ اکتبر", "هفتم اکتبر", "7/10", "10/7",
"#Oct7" …; nothing is written per event. The patterns come out normalised
(`normalize_name`), ready for the automaton.

A date alone is weak evidence ("born on 7 October"): the matcher reports it
(via="date") only with corroborating context — the event or its perpetrator
named, an attack or terror word, a signal emoji, a hashtag, the event's
year written beside it, or praise right beside it ("heroes of 7 October") —
unless asked for uncorroborated evidence too.
"""

from __future__ import annotations

from datetime import date

from proscribe.text.normalize import normalize_name

EN_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
EN_ABBR = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")
DE_MONTHS = ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember")
ES_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre")
TR_MONTHS = ("ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim", "kasım", "aralık")
RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря")
HE_MONTHS = ("ינואר", "פברואר", "מרץ", "אפריל", "מאי", "יוני", "יולי", "אוגוסט", "ספטמבר", "אוקטובר", "נובמבר", "דצמבר")
AR_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر")
AR_LEVANT_MONTHS = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول")
FA_MONTHS = ("ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر", "دسامبر")
UR_MONTHS = ("جنوری", "فروری", "مارچ", "اپریل", "مئی", "جون", "جولائی", "اگست", "ستمبر", "اکتوبر", "نومبر", "دسمبر")

AR_ORDINALS = (
    "الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع", "العاشر",
    "الحادي عشر", "الثاني عشر", "الثالث عشر", "الرابع عشر", "الخامس عشر", "السادس عشر", "السابع عشر",
    "الثامن عشر", "التاسع عشر", "العشرين", "الحادي والعشرين", "الثاني والعشرين", "الثالث والعشرين",
    "الرابع والعشرين", "الخامس والعشرين", "السادس والعشرين", "السابع والعشرين", "الثامن والعشرين",
    "التاسع والعشرين", "الثلاثين", "الحادي والثلاثين",
)
FA_ORDINALS = (
    "یکم", "دوم", "سوم", "چهارم", "پنجم", "ششم", "هفتم", "هشتم", "نهم", "دهم", "یازدهم", "دوازدهم", "سیزدهم",
    "چهاردهم", "پانزدهم", "شانزدهم", "هفدهم", "هجدهم", "نوزدهم", "بیستم", "بیست و یکم", "بیست و دوم",
    "بیست و سوم", "بیست و چهارم", "بیست و پنجم", "بیست و ششم", "بیست و هفتم", "بیست و هشتم", "بیست و نهم",
    "سی ام", "سی و یکم",
)
EN_ORDINALS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
    "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
    "twentieth", "twenty first", "twenty second", "twenty third", "twenty fourth", "twenty fifth", "twenty sixth",
    "twenty seventh", "twenty eighth", "twenty ninth", "thirtieth", "thirty first",
)


def _suffix(d: int) -> str:
    if 10 <= d % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")


def date_expressions(day: date) -> list[str]:
    """Day-and-month expressions of `day` in en, fr, de, es, tr, ru, he, ar, fa, ur (as written)."""
    d, m = day.day, day.month - 1
    out: list[str] = []
    en, ab = EN_MONTHS[m], EN_ABBR[m]
    th = f"{d}{_suffix(d)}"
    ordinal = EN_ORDINALS[d - 1]
    for month in {en, ab, ab + "."}:
        out += [f"{d} {month}", f"{month} {d}", f"{month} {th}", f"{th} {month}", f"{th} of {month}"]
    out += [f"{ordinal} of {en}", f"{en} {ordinal}", f"{en} the {th}"]
    out += [f"{ab}{d}", f"{en}{d}", f"{d}{ab}", f"{d}{en}"]  # hashtags: #Oct7, #7October
    out += [f"{d} {FR_MONTHS[m]}", f"{d}er {FR_MONTHS[m]}" if d == 1 else f"{d} {FR_MONTHS[m]}"]
    out += [f"{d}. {DE_MONTHS[m]}", f"{d} {DE_MONTHS[m]}"]
    out += [f"{d} de {ES_MONTHS[m]}", f"{d} {ES_MONTHS[m]}"]
    out += [f"{d} {TR_MONTHS[m]}"]
    out += [f"{d} {RU_MONTHS[m]}"]
    out += [f"{d} ב{HE_MONTHS[m]}", f"{d} {HE_MONTHS[m]}"]
    for month in (AR_MONTHS[m], AR_LEVANT_MONTHS[m]):
        out += [f"{d} {month}", f"{d} من {month}", f"{AR_ORDINALS[d - 1]} من {month}", f"{month} {d}"]
    out += [f"{d} {FA_MONTHS[m]}", f"{FA_ORDINALS[d - 1]} {FA_MONTHS[m]}"]
    out += [f"{d} {UR_MONTHS[m]}"]
    mm = day.month
    for a, b in ((d, mm), (mm, d)):
        out += [f"{a}/{b}", f"{a:02d}/{b:02d}"]
    return list(dict.fromkeys(out))


def date_patterns(day: date) -> list[str]:
    """`date_expressions` normalised for the automaton, duplicates removed."""
    return list(dict.fromkeys(k for k in (normalize_name(e) for e in date_expressions(day)) if k))
