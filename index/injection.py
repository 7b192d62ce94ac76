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
_QUOTE_MARKS = frozenset('“"‘«')
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
_ADDRESSEES = (
    r"(?:ai|a\.i\.|assistants?|chat ?bots?|bots?|llms?|(?:language|ai|large language) models?"
    r"|gpt[\w.-]*|chatgpt|claude|gemini|copilot|summari[sz]ers?|answer engines?"
    r"|automated (?:systems?|tools?|readers?)|crawlers?|scrapers?|readers?|users?|visitors?"
    r"|subscribers?|viewers?|listeners?|whoever|answers?|responses?|replies|summar(?:y|ies)"
    r"|outputs?)"
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
# Words without which a form cannot be there.
_LINK_HINT = re.compile(r"[:@]|\]\(|\.[a-z]|www\.", re.IGNORECASE)
_OWN_RULES_HINTS = frozenset(
    "ignore disregard forget override bypass overrule discard system you".split()
)
_ORDER_WORDS = _VERBS | {"don't", "dont", "do"}
_SECOND_PERSON_WORDS = frozenset("you your yours yourself yourselves".split())
# Who may be told what to do: a model, a reader; "models", "engines", "systems" only
# as "language models", "answer engines", "automated systems"; an answer only as "any
# answer", "your summary".
_ADDRESSEE_WORDS = frozenset(
    """ai assistant assistants chatbot chatbots bot bots llm llms chatgpt claude gemini
    copilot summariser summarisers summarizer summarizers crawler crawlers scraper scrapers
    reader readers user users visitor visitors subscriber subscribers viewer viewers
    listener listeners whoever""".split()
)
_QUALIFIED = {
    "model": {"language", "ai", "llm"},
    "models": {"language", "ai", "llm"},
    "engine": {"answer", "search"},
    "engines": {"answer", "search"},
    "system": {"automated"},
    "systems": {"automated"},
    "tool": {"automated", "ai"},
    "tools": {"automated", "ai"},
}
_OUTPUTS = frozenset(
    "answer answers response responses reply replies summary summaries output".split()
)
_ANY = frozenset("any every each all your".split())
# Obligations: "must", "has to", "are required to", "will now".
_MODALS = frozenset("must shall should".split())
_BEFORE_TO = frozenset("ought need needs have has".split())
_BE = frozenset("are is am be".split())
_AFTER_BE = frozenset(
    """to required instructed asked requested urged expected obliged directed encouraged
    supposed now""".split()
)
_AFTER_WILL = frozenset("now always only".split())
_CAN = frozenset("can may could will".split())
_ATTRIBUTED = re.compile(
    r"\b(?:said|says|say|told|according to|announced|reported|added|stated|wrote|argued?s?"
    r"|ruled|warned|proposed|require[sd]?)\b",
    re.IGNORECASE,
)


def addresses_a_reader(sentence: str) -> bool:
    """Whether ``sentence`` orders, calls or links its reader (a person or a model)
    rather than reporting the news."""
    # Each form is looked for only where a word it needs is there: most sentences of
    # the news hold none, and this runs on every sentence indexed.
    words = set(_WORD.findall(sentence.lower()))
    if _LINK_HINT.search(sentence) and LINK.search(sentence):
        return True
    if words & _OWN_RULES_HINTS and _OWN_RULES.search(sentence):
        return True
    # Quoted speech is someone's words; what follows a quote ("read the banners") is
    # no clause of its own.
    own_words = _QUOTED.sub(" quoted ", sentence) if _QUOTE_MARKS & set(sentence) else sentence
    if words & _ORDER_WORDS and any(_imperative(c) for c in _clauses(own_words)):
        return True
    second_person = bool(words & _SECOND_PERSON_WORDS)
    addressee = bool(words & (_ADDRESSEE_WORDS | _QUALIFIED.keys() | _OUTPUTS))
    if not (second_person or addressee or any(w.startswith("gpt") for w in words)):
        return False
    tokens = _WORD.findall(own_words.lower())
    if second_person and _told_you(tokens):
        return True
    if _CALLED.search(own_words):
        return True
    subjects = [i for i, token in enumerate(tokens) if _addressee(tokens, i)]
    if not any(_obliged(tokens, i + 1, 14) for i in subjects):
        return False
    return "you" in tokens or "your" in tokens or not _ATTRIBUTED.search(own_words)


def _addressee(tokens: list[str], i: int) -> bool:
    token, before = tokens[i], tokens[i - 1] if i else ""
    return (
        token in _ADDRESSEE_WORDS
        or token.startswith("gpt")
        or before in _QUALIFIED.get(token, ())
        or (token in _OUTPUTS and before in _ANY)
    )


def _obliged(tokens: list[str], start: int, reach: int) -> bool:
    """Whether an obligation ("must", "has to", "is instructed to") follows ``start``
    within ``reach`` words."""
    for i in range(start, min(start + reach, len(tokens))):
        token, after = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else ""
        if (
            token in _MODALS
            or (token in _BEFORE_TO and after == "to")
            or (token in _BE and after in _AFTER_BE)
            or (token == "will" and after in _AFTER_WILL)
        ):
            return True
    return False


def _told_you(tokens: list[str]) -> bool:
    """Whether the reader is obliged ("you must", "your answer has to") or called to act
    ("you can claim …")."""
    for i, token in enumerate(tokens):
        if token in ("you", "your") and _obliged(tokens, i + 1, 8):
            return True
        then = tokens[i + 1 : i + 3]
        if token == "you" and len(then) == 2 and then[0] in _CAN and then[1] in _VERBS:
            return True
    return False


def _clauses(text: str) -> list[str]:
    """The parts of a sentence that can open with an order."""
    clauses = _CLAUSE_BREAK.split(text)
    first = _WORD.findall(clauses[0].lower()[:20])
    if first and first[0] in _SUBORDINATE and "," in clauses[0]:
        clauses.append(clauses[0].split(",", 1)[1])
    return clauses


def _imperative(clause: str) -> bool:
    words = _WORD.findall(clause[:80].lower().replace("’", "'"))[:6]
    directive = False
    while words and (words[0] in _OPENERS or words[0] in _DIRECTIVE_OPENERS):
        directive |= words.pop(0) in _DIRECTIVE_OPENERS
    if words[:1] in (["don't"], ["dont"]) or words[:2] == ["do", "not"]:
        return len(words) > (2 if words[0] == "do" else 1)  # "Don't miss …"
    if not words or words[0] not in _VERBS:
        return False
    return directive or len(words) == 1 or words[1] in _OBJECTS
