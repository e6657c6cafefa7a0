"""Word lists detection relies on: clitics and suffixes per script, context keywords, homonyms, common given names."""

from __future__ import annotations

# Arabic proclitics attached to a name (normalised forms): conjunctions و ف, prepositions ب ل ك,
# the article ال and their combinations. ل + ال is written لل (the alef drops): see `LIL`.
ARABIC_PROCLITICS = frozenset(
    {
        "و", "ف", "ب", "ل", "ك", "ال", "لل", "وال", "فال", "بال", "كال", "ولل", "فلل",
        "وب", "فب", "ول", "فل", "وك", "فك", "وبال", "فبال", "وكال", "ولل", "س",
        "به",  # Persian "to" written joined in informal posts (بهحماس is rare; به‌حماس splits on the ZWNJ)
    }
)
# Proclitics that absorb the article's alef: ل + القاعدة -> للقاعدة.
LIL = frozenset({"لل", "ولل", "فلل"})

# Suffixes after an Arabic-script name (normalised: ی -> ي, ة -> ه): Persian plural ها/ان,
# adjectival/ezafe ی, Arabic nisba plurals ون/ين, feminine ية.
ARABIC_SUFFIXES = frozenset(
    {
        "ي", "ها", "هاي", "هايي", "يها", "يهاي", "ان", "يان", "ايي", "اي", "يون", "يين", "ين", "ون", "يه", "ات", "ش", "شان",
    }
)

# Arabic-script names that are also dictionary words (normalised): حماس is "enthusiasm" (بحماس "with
# enthusiasm", الحماسة), حماسه is Persian "epic". Only the conjunctions و ف may precede them, and no suffix may follow.
AMBIGUOUS_WORDS = frozenset({"حماس", "طوفان", "شباب", "الشباب", "قاعده", "القاعده", "نصر", "جهاد"})
CONJUNCTIONS = frozenset({"و", "ف"})
# "all, every" before one of those words makes it the common noun: بكل حماس "with all enthusiasm".
ARABIC_QUANTIFIERS = frozenset({"كل", "بكل", "لكل", "وبكل", "وكل", "فبكل"})
# Particles and prepositions (normalised) after which a word opens a phrase rather than ends a construct.
ARABIC_PARTICLES = frozenset(
    {
        "في", "من", "علي", "الي", "عن", "مع", "ان", "لكن", "ثم", "او", "هل", "قد", "لقد", "حتي", "بين", "منذ",
        "عند", "لدي", "ضد", "بعد", "قبل", "و", "ف", "يا", "لا", "ما", "هذا", "هذه", "ذلك", "تلك", "كان", "كانت",
    }
)

# Hebrew prefixes written joined to the next word: ו ה ב ל מ ש כ and combinations.
HEBREW_PROCLITICS = frozenset(
    {"ו", "ה", "ב", "ל", "מ", "ש", "כ", "וה", "וב", "ול", "ומ", "וש", "שה", "שב", "של", "מה", "כש", "לה", "בה", "וכ", "מב", "ושה"}
)

# Russian case endings after a name (ХАМАСа, Хезболлы, ИГИЛом).
CYRILLIC_SUFFIXES = frozenset({"а", "у", "ом", "е", "ы", "ой", "ою", "ам", "ами", "ах", "ов"})

# English plural / demonym s ("Houthis", "Talibans"); derivations after names of >= 5 letters
# ("Hamasniks", "Daeshbags", "Hezbollahis").
LATIN_SUFFIXES = frozenset({"s"})
LATIN_DERIVATIONS = frozenset({"s", "i", "is", "ist", "ists", "nik", "niks", "bag", "bags", "ite", "ites"})
# Name particles: "bin Laden", "al-Baghdadi" name a person by their last two words.
PARTICLES = frozenset({"bin", "ibn", "ben", "abu", "al", "el", "bint", "بن", "ابن", "ابو"})

# Context that corroborates a weak name or a bare date: attack, terror, armed-group words.
# Matched as word prefixes on normalised text (so "terror" covers "terrorists").
CONTEXT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "attack", "terror", "militant", "fighter", "jihad", "caliphate", "bomb", "suicide", "massacre",
        "claimed responsibility", "martyr", "mujahid", "insurgen", "hostage", "kidnap", "rocket", "brigade",
        "beheading", "execution", "extremis", "gunmen", "armed group", "designated", "proscribed", "emir",
        "jihadi", "islamist", "militia", "commander", "shooting", "stabbing", "killed", "slaughter", "invasion",
        "kafir", "kuffar", "apostate", "murtad", "victim", "ceasefire", "weapon", "armed", "rebel", "guerrilla",
        "drone strike", "airstrike", "assassinat", "operation",
    ),
    "ar": (
        "هجوم", "عمليه", "ارهاب", "مجاهد", "شهيد", "شهداء", "استشهاد", "قصف", "صاروخ", "صواريخ", "كتائب",
        "مقاتل", "خلافه", "جهاد", "تفجير", "غزوه", "قائد", "امير", "ذبح", "مجزره", "رهائن", "اسري", "انغماسي",
        "مرتد", "كفار", "طاغوت", "ولايه", "مسلح", "اغتيال", "سلاح", "هجمات", "ضحايا", "وقف اطلاق النار",
    ),
    "fa": (
        "حمله", "تروريست", "ترور", "شهيد", "مجاهد", "عمليات", "جهاد", "گروهك", "انفجار", "موشك", "فرمانده",
        "كشتار", "گروگان", "انتحاري", "مسلح", "خلافت", "تكفيري", "حملات", "قرباني", "اتش بس", "سلاح",
    ),
    "ur": ("حمله", "دهشت", "جهاد", "شهيد", "مجاهد", "تنظيم", "دهماكه", "خودكش"),
    "fr": ("attentat", "attaque", "operation", "terror", "djihad", "jihad", "combattant", "militant", "otage", "kamikaze", "islamist"),
    "de": ("anschlag", "angriff", "operation", "terror", "dschihad", "kampfer", "miliz", "geisel", "islamist", "attentat"),
    "es": ("atentado", "ataque", "terror", "yihad", "combatiente", "rehen", "milicia", "islamista"),
    "tr": ("saldiri", "operasyon", "teror", "cihat", "militan", "orgut", "sehit", "rehine", "bomba"),
    "he": ("פיגוע", "טרור", "מחבל", "ארגון", "חטופ", "טבח", "רקטות"),
    "ru": ("теракт", "террор", "боевик", "группиров", "атак", "джихад", "заложник", "взрыв", "халифат"),
}

# Praise right beside a bare date makes the date the event ("heroes of 7 October", "درود بر قهرمانان ۷ اکتبر",
# "المجد لأبطال 7 أكتوبر"): within DATE_PRAISE_WINDOW characters of it, as word prefixes on normalised text (an
# Arabic clitic or article may come first). Only for dates: a weak name needs more than praise.
DATE_PRAISE_KEYWORDS: tuple[str, ...] = (
    "hero", "glory", "glorious", "salute", "héros", "gloire", "glorieu", "helden", "ruhm", "héroe", "gloria", "glorios",
    "kahraman", "şanlı", "геро", "слава",
    # "blessed" as armed groups' media use it of an attack ("the blessed 7 October"); not the Arabic, Persian or
    # Turkish word, which greets a Friday or a feast day as often.
    "blessed", "gesegnet", "bendit",
    "ابطال", "بطل", "مجد", "المجيد", "طوفان", "قهرمان", "درود", "حماسه", "هيرو",
)
DATE_PRAISE_WINDOW = 30

# Words next to a short acronym ("IS", "HTS") that make it the group: within two words.
ACRONYM_NEIGHBOURS = (
    "fighter", "militant", "group", "claimed", "claim", "jihadist", "terror", "attack", "province", "khorasan",
    "k", "affiliate", "cell", "supporter", "propaganda", "leader", "emir", "stronghold", "territory", "bomber",
    "gunmen", "member", "recruit", "caliphate", "held", "controlled", "-held", "wilayat",
)

# Reporting words right after an acronym of three or more capitals that make it the group ("The PKK
# announced", "HTS said"); not after two-letter ones, where "IS said" is as often an emphasised verb.
ACRONYM_REPORTING = (
    "announce", "said", "says", "declare", "statement", "spokesm", "spokesperson", "vowed", "warned", "threaten",
    "demanded", "denied", "accused", "confirmed", "released", "issued",
)

# Words right before a short acronym that make it the group ("fighters of IS", "claimed by IS").
ACRONYM_BEFORE = frozenset({"by", "against", "join", "joined", "joining", "pro", "anti", "of", "with", "from", "defeat", "defeated", "fighting"})

# Single common words that are also names of designated groups (in any script): a weak alias in this set
# counts only when the same entity (or a related one) is named strongly in the same text; context words
# are not enough, since e.g. Hebrew חמס means "violence" and co-occurs with attack words.
HOMONYMS = frozenset(
    {
        "base", "the base", "state", "the state", "party", "army", "front", "movement", "resistance",
        "the resistance", "ansar", "jund", "jamaat", "hezb", "hizb", "foundation", "the foundation", "flood",
        "the flood", "emirate", "the emirate",
        "חמס", "حزب", "دوله", "مقاومه", "قاعده", "جبهه", "انصار", "جند", "طوفان",
    }
)

# Common given names and name particles: a person's alias made only of these is weak
# ("Ali Hassan", "Mohammed Ali"): it names thousands of people.
COMMON_GIVEN_NAMES = frozenset(
    {
        "mohammad", "mohammed", "muhammad", "muhammed", "mohamed", "mohamad", "ahmad", "ahmed", "ali", "hassan",
        "hasan", "hussein", "husain", "hussain", "husayn", "abdullah", "abdallah", "abd", "abdul", "omar", "umar",
        "khalid", "khaled", "ibrahim", "ismail", "yusuf", "youssef", "mustafa", "mahmoud", "mahmud", "said", "saeed",
        "abu", "bin", "ibn", "al", "el", "abdel", "abdal", "salem", "salim", "saleh", "salih", "karim", "kareem",
        "jamal", "nasser", "nasir", "hamid", "hamed", "majid", "walid", "yasser", "yasir", "zaid", "zayd", "anwar",
        "john", "james", "david", "michael", "robert", "maria", "mohammadi", "reza", "mehdi", "mahdi", "hosseini",
        "amir", "akbar", "jafar", "jaafar", "musa", "moussa", "isa", "issa", "adam", "nur", "noor", "din", "ud",
        "محمد", "علي", "احمد", "حسن", "حسين", "عبد", "الله", "عبدالله", "ابو", "بن", "ابن", "عمر", "خالد", "ابراهيم",
    }
)
