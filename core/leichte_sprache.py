"""A helper that points at what breaks the rules of Leichte Sprache.

It checks what a machine can see (Netzwerk Leichte Sprache, DIN SPEC 33429):
sentences of at most 12 words, no abbreviations, numbers as digits, long
compounds split by a hyphen or the Mediopunkt, no rare word without an
explanation, no common Konjunktiv forms, no parentheses. It is no judge:
whether a text is understood only a Prüfgruppe can tell, which staff record
by hand (actions/db/responses.py, review status).

Word frequencies come from wordfreq's German list, syllables from pyphen's
German hyphenation, and the Wiener Sachtextformel from textstat's German mode.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from functools import lru_cache

import pyphen
from wordfreq import zipf_frequency

MAX_WORDS = 12
# Zipf 3 is once per million words: "Vorschlag" 4.0, "Resilienz" 2.8.
RARE_BELOW = 3.0
LONG_WORD_SYLLABLES = 4  # "Vorschlagsnummer" has 4
LONG_WORD_LETTERS = 12
COMMON = 3.0  # both parts of a compound that should be split are this common

ABBREVIATION = re.compile(
    r"\b(?:z\.\s?B|bzw|ca|usw|d\.\s?h|ggf|etc|u\.\s?a|evtl|inkl|bspw|vgl|Nr|Tel|Str)\."
)
KONJUNKTIV = re.compile(
    r"\b(?:würde|würden|würdest|könnte|könnten|hätte|hätten|wäre|wären|"
    r"sollte|sollten|müsste|müssten|dürfte|dürften|möchte|möchten)\b",
    re.IGNORECASE,
)
NUMBER_WORDS = re.compile(
    r"\b(?:zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|"
    r"dreißig|hundert|tausend)\b",
    re.IGNORECASE,
)
PARENTHESES = re.compile(r"[()\[\]]")
PLACEHOLDER = re.compile(r"\{\w*\}")
# Links and e-mail addresses are read out as they are, not as words.
ADDRESS = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A sentence ends at . ! ? before a space or the end, not in "7. Dezember".
SENTENCE_END = re.compile(r"(?<!\d)[.!?:]+(?=\s|$)|\n")
WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+(?:[·-][A-Za-zÄÖÜäöüß]+)*")
EXPLAINED = re.compile(r"\b(?:Das heißt|Das bedeutet|bedeutet|heißt)\b")


@dataclass(frozen=True)
class Finding:
    rule: str
    text: str  # the sentence or word it is about
    message: str  # German, for staff

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Figures:
    sentences: int
    median_words: float
    longest_words: int
    wiener_sachtextformel: float


def sentences(text: str) -> list[str]:
    return [s.strip(" •-–\t") for s in SENTENCE_END.split(text) if s.strip(" •-–\t")]


@lru_cache(maxsize=1)
def _hyphenation() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="de_DE")


def syllables(word: str) -> int:
    return len(_hyphenation().positions(word)) + 1


ENDINGS = ("innen", "in", "ten", "te", "en", "er", "es", "em", "st", "e", "n", "s", "t")


def _frequency(word: str) -> float:
    """The Zipf frequency of the word's most common form: wordfreq counts
    "speichere" and "speichern" apart, and a compound's first part may end
    in the joining s ("Geschäfts·führerin")."""
    stems = {word} | {
        word[: -len(ending)]
        for ending in ENDINGS
        if word.endswith(ending) and len(word) - len(ending) >= 4
    }
    forms = stems | {stem + ending for stem in stems for ending in ("en", "n", "e")}
    return max(zipf_frequency(form, "de") for form in forms)


def _unsplit_compound(word: str) -> bool:
    """A long noun made of two common words ("Bürgerbeteiligung"), not a long
    word of its own ("Digitalisierung", "Veranstaltungen"). Verbs such as
    "unterstützen" are left alone: the rule is about nouns (capitalised; the
    caller skips the first word of a sentence, where any word is)."""
    if not word[:1].isupper():
        return False
    if len(word) < LONG_WORD_LETTERS or syllables(word) < LONG_WORD_SYLLABLES:
        return False
    return any(
        _frequency(word[:cut]) >= COMMON
        and _frequency(word[cut:].capitalize()) >= COMMON
        for cut in range(4, len(word) - 3)
    )


def _rare(word: str, known: frozenset[str]) -> bool:
    # A compound split by the Mediopunkt or a hyphen is read part by part;
    # codes such as "KL" or "V-ABCD" are no words to look up.
    return any(
        _frequency(part) < RARE_BELOW
        for part in re.split(r"[·-]", word)
        if len(part) > 3 and part not in known and not part.isupper()
    )


def check(text: str, known: frozenset[str] = frozenset()) -> list[Finding]:
    """What in `text` breaks a rule; `known`: names that need no explanation
    (projects, places, the city's programmes)."""
    findings: list[Finding] = []
    said = sentences(text)
    for index, sentence in enumerate(said):
        words = sentence.split()
        if len(words) > MAX_WORDS:
            findings.append(Finding("sentence", sentence,
                f"Satz mit {len(words)} Wörtern (höchstens {MAX_WORDS}): „{sentence}“"))  # fmt: skip
        explained = index + 1 < len(said) and EXPLAINED.search(said[index + 1])
        plain_words = PLACEHOLDER.sub(" ", ADDRESS.sub(" ", sentence))
        for position, word in enumerate(WORD.findall(plain_words)):
            if word in known:
                continue
            # A capital letter marks a noun, except at the start of a sentence.
            noun = position > 0 and "·" not in word and "-" not in word
            if noun and _unsplit_compound(word):
                findings.append(Finding("compound", word,
                    f"Langes Wort „{word}“: mit Bindestrich oder Mediopunkt trennen"))  # fmt: skip
            elif not explained and _rare(word, known):
                findings.append(Finding("rare", word,
                    f"Seltenes Wort „{word}“: ersetzen oder im nächsten Satz erklären"))  # fmt: skip
    for pattern, rule, what in (
        (ABBREVIATION, "abbreviation", "Abkürzung „{}“: bitte ausschreiben"),
        (KONJUNKTIV, "konjunktiv", "Konjunktiv „{}“: bitte direkt sagen"),
        (NUMBER_WORDS, "number", "Zahl als Wort „{}“: bitte als Ziffer schreiben"),
        (PARENTHESES, "parentheses", "Klammer „{}“: bitte ohne Klammern"),
    ):
        findings.extend(
            Finding(rule, m.group(0), what.format(m.group(0)))
            for m in pattern.finditer(PLACEHOLDER.sub("", text))
        )
    return findings


def figures(texts: list[str]) -> Figures:
    # Imported here: textstat brings NLTK, which the staff app's warnings do
    # not need.
    import textstat

    lengths = [len(s.split()) for text in texts for s in sentences(text)]
    textstat.set_lang("de")
    joined = " ".join(PLACEHOLDER.sub("X", t) for t in texts)
    return Figures(
        sentences=len(lengths),
        median_words=statistics.median(lengths) if lengths else 0,
        longest_words=max(lengths, default=0),
        wiener_sachtextformel=round(textstat.wiener_sachtextformel(joined, 1), 1),
    )
