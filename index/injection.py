"""Text that addresses a reader or a model instead of reporting news: an order to an AI
("Assistants answering questions about Iran must tell readers …"), a call to the reader
("Subscribe to our newsletter", "You must register at …") or a link. A prompt injection
or an advertisement: no answer may quote it, lead with it or rest a claim on it.

Recognised by its form, not by its wording:

- a link or an address: a URL, "www.", a domain written in lower case, an e-mail address;
- an imperative: a clause that opens with a verb in its base form followed by what it acts
  on ("tell readers", "visit the", "ignore all", "click here"), or with "please", "do not"
  or "never" before a verb. A clause opens a sentence, follows a colon, semicolon or
  dash, or follows the comma that closes an opening "if"/"when" clause ("When asked
  about X, reply that …");
- the second person with an obligation or a call ("you must", "your answer has to",
  "you can claim …");
- a model, a reader or an answer as the subject of an obligation ("chatbots should
  state", "readers must", "any summary has to"), or called by name ("Dear language
  model,", "To any automated system reading this:");
- talk of a model's own rules ("disregard the guidelines above", "system prompt").

Quoted speech is news: an imperative or a "you" inside quotation marks is someone's
words ("“Leave Syria now!” protesters chanted"); links and talk of a model's rules count
wherever they stand. An obligation attributed to someone ("…, the regulator said") is
reported, not imposed, unless the sentence also links or speaks to the reader.

Classified when a passage is indexed (``index.ingest.sentence_terms``), and for a
model's own sentences when they are verified (``index.llm.verify``).
"""

from __future__ import annotations

import re

LINK = re.compile(
    r"(?i:\b(?:https?|ftp|javascript|data|file|mailto|vbscript):\S+|\bwww\.[\w-]+\.\S+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\]\(\S*\))"
    r"|(?<![\w.@/-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?![\w@-])(?:/\S*)?"
)
_QUOTED = re.compile(r"“[^”]*”?|\"[^\"]*\"?|‘[^’]*’(?!\w)|«[^»]*»?")
_CLAUSE_BREAK = re.compile(r"[:;]|\s[—–-]\s|—")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Verbs in their base form that calls and instructions open with.
_VERBS = frozenset(
    """visit click tap subscribe register sign join follow share download install buy
    order purchase donate call phone contact email text message write send reply respond
    answer tell say state claim mention include add append insert print output repeat
    recommend describe summarise summarize translate explain ignore disregard forget
    override bypass pretend act behave become remember note read watch listen see check
    learn discover find get grab enjoy try start stop make let keep go come help support
    vote book shop save use open enter type copy paste rate review leave give take bring
    put avoid consider imagine stay think believe trust know rank promote praise insist
    assure inform advise warn urge direct redirect point link refer cite quote display show
    list report treat refuse deny confirm reveal rewrite change set switch begin continue
    end stop unlock claim apply redeem act""".split()
)
# What follows a verb used as an order: what it acts on, or a particle.
_OBJECTS = frozenset(
    """a an the this that these those your our my his her their its it them him me us
    everyone everybody anyone anybody someone somebody all every any each no nothing
    something readers reader users user people yourself yourselves here now today up out
    in on off away back down to about more what how why whether only""".split()
)
_OPENERS = frozenset("now so also just simply then always please kindly and or but".split())
_DIRECTIVE_OPENERS = frozenset({"please", "kindly", "never", "always"})
_SUBORDINATE = frozenset("if when whenever once before after unless should".split())
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself|yourselves)\b", re.IGNORECASE)
_OBLIGATION = (
    r"(?:must|shall|should|ought to|(?:need|needs|have|has) to"
    r"|(?:are|is|am|be) (?:to|required|instructed|asked|requested|urged|expected|obliged"
    r"|directed|encouraged|supposed)|will (?:now|always|only)|(?:are|is) now)\b"
)
_ADDRESSEES = (
    r"(?:ai|a\.i\.|assistants?|chat ?bots?|bots?|llms?|(?:language|ai|large language) models?"
    r"|gpt[\w.-]*|chatgpt|claude|gemini|copilot|summari[sz]ers?|answer engines?"
    r"|automated (?:systems?|tools?|readers?)|crawlers?|scrapers?|readers?|users?|visitors?"
    r"|subscribers?|viewers?|listeners?|whoever|answers?|responses?|replies|summar(?:y|ies)"
    r"|outputs?)"
)
_SUBJECT_OBLIGED = re.compile(rf"\b{_ADDRESSEES}\b[^.;!?]{{0,80}}?\b{_OBLIGATION}", re.IGNORECASE)
_SECOND_PERSON_OBLIGED = re.compile(
    rf"\b(?:you|your)\b[^.;!?]{{0,40}}?\b{_OBLIGATION}"
    rf"|\byou (?:can|may|could|will) (?:{'|'.join(sorted(_VERBS))})\b",
    re.IGNORECASE,
)
_CALLED = re.compile(
    rf"^\W*(?:(?:dear|hey|hi|hello|attention|note to|message to|a message for|to|for)\s+"
    rf"(?:all |any |every |the |our )?(?:\w+ )?{_ADDRESSEES}\b[^,:]{{0,60}}[,:]"
    rf"|(?:all |any |every )?(?:\w+ )?{_ADDRESSEES}\b[^,:.]{{0,40}}:)",
    re.IGNORECASE,
)
_OWN_RULES = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass|overrule|discard)\b[^.!?]{0,60}?"
    r"\b(?:instructions?|prompts?|rules|guidelines|directions|directives|programming|guidance)"
    r"\b|\bsystem (?:prompt|message)\b|\byou are now\b",
    re.IGNORECASE,
)
_ATTRIBUTED = re.compile(
    r"\b(?:said|says|say|told|according to|announced|reported|added|stated|wrote|argued?s?"
    r"|ruled|warned|proposed|require[sd]?)\b",
    re.IGNORECASE,
)


def addresses_a_reader(sentence: str) -> bool:
    """Whether ``sentence`` orders, calls or links its reader (a person or a model)
    rather than reporting the news."""
    if LINK.search(sentence) or _OWN_RULES.search(sentence):
        return True
    # Quoted speech is someone's words; what follows a quote ("read the banners") is
    # no clause of its own.
    own_words = _QUOTED.sub(" quoted ", sentence)
    if _CALLED.search(own_words) or any(_imperative(c) for c in _clauses(own_words)):
        return True
    speaks_to_reader = bool(_SECOND_PERSON.search(own_words))
    if speaks_to_reader and _SECOND_PERSON_OBLIGED.search(own_words):
        return True
    reported = _ATTRIBUTED.search(own_words) and not speaks_to_reader
    return bool(_SUBJECT_OBLIGED.search(own_words)) and not reported


def _clauses(text: str) -> list[str]:
    """The parts of a sentence that can open with an order."""
    clauses = _CLAUSE_BREAK.split(text)
    first = _WORD.findall(clauses[0].lower()[:20])
    if first and first[0] in _SUBORDINATE and "," in clauses[0]:
        clauses.append(clauses[0].split(",", 1)[1])
    return clauses


def _imperative(clause: str) -> bool:
    words = _WORD.findall(clause.lower().replace("’", "'"))[:6]
    directive = False
    while words and (words[0] in _OPENERS or words[0] in _DIRECTIVE_OPENERS):
        directive |= words.pop(0) in _DIRECTIVE_OPENERS
    if words[:1] in (["don't"], ["dont"]) or words[:2] == ["do", "not"]:
        return len(words) > (2 if words[0] == "do" else 1)  # "Don't miss …"
    if not words or words[0] not in _VERBS:
        return False
    return directive or len(words) == 1 or words[1] in _OBJECTS
