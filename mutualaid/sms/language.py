"""Which language a new number writes in: a first text that starts with a Spanish command
word or greeting (NECESITO, OFREZCO, AYUDA, SÍ, LISTO, HOLA, ...) makes the new texter's
language Spanish, so every reply, invitation and notice after it comes in Spanish.

Only the first text of a number that is new to us decides; later, LANG ES / LANG EN,
ESPAÑOL / ENGLISH (the conversation grammar) or the web profile change it.
"""

from __future__ import annotations

from mutualaid.sms.commands import fold
from mutualaid.sms.understand import fold as fold_words
from mutualaid.sms.understand import language_of

# Folded words (accents and case ignored) that only a Spanish writer starts a text with.
_WORDS = (
    "necesito necesita necesitamos necesitan necesidad nesesito necisito ocupo "
    "ofrezco ofrezo ofresco ofrecer ofrece ofrecemos oferta puedo "
    "si sii claro acepto dale voy listo lista hecho terminado terminada termine "
    "salir salgo pausa pausar reanudar continuar seguir estado estatus "
    "ayuda ayudame auxilio comandos idioma espanol castellano cancelar parar alto "
    "hola buenas buenos buen gracias quiero tengo nombre llamo"
)
SPANISH_WORDS = frozenset(_WORDS.split())


def first_text_language(body: str) -> str | None:
    """ "es" when the text starts with a Spanish word (after punctuation such as "¡" or
    "¿"), else None (keep the default)."""
    words = [w for w in (fold(part) for part in (body or "").split()) if w]
    if not words:
        return None
    if words[0] in ("me", "mi") and words[1:2] in (["llamo"], ["nombre"]):
        return "es"  # "Me llamo María", "Mi nombre es..."
    if words[0] in SPANISH_WORDS:
        return "es"
    # Issue 18: "mi abuela no puede respirar" is Spanish too (its words, not its first).
    return language_of(fold_words(body or ""))
