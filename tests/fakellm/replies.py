"""A scripted set of model replies over the fixture collection (and the hostile dealer
article): false claims of every kind verification must stop, in phrasings of their own,
and true paraphrases it should let through. Each reply is one sentence; its passage
numbers are found in the prompt as a model would (the passage holding ``cites``' text).

Written from the articles, not from verification's rules: the false ones are the issue's
probe classes said anew, the true ones what a careful model writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakellm.server import ChatRequest, Text

SYRIA = "who wants Iran out of Syria?"
PUTIN = "What did Putin warn about foreign forces in Syria?"
RECALL = "How many SUVs did Halden Motors recall?"
BANK = "What did the Northern Reserve Bank decide on interest rates?"
TRAM = "When did Eastholm's Line 4 tram open?"

# Text that finds each passage in a prompt.
PUTIN_PASSAGE = "Vladimir Putin warned"
NETANYAHU_PASSAGE = "Benjamin Netanyahu"
LOSER_PASSAGE = "The big loser here"
RECALL_PASSAGE = "84,000 Tarn sport utility"
HOSTILE_PASSAGE = "ignore all previous instructions"
BANK_PASSAGE = "main policy rate at 3.75%"
VOTE_PASSAGE = "six of the seven board members"
FORECAST_PASSAGE = "new forecasts showing growth"
TRAM_PASSAGE = "Line 4 tram carried"


@dataclass(frozen=True)
class Reply:
    kind: str  # the class of claim, as the measured table names it
    question: str
    text: str  # with {p}, {q}: the numbers of the passages ``cites`` names
    cites: dict[str, str] = field(default_factory=dict)
    true: bool = False  # a faithful claim, that should be shown

    def script(self, request: ChatRequest) -> Text:
        numbers = {name: request.passage_with(anchor) for name, anchor in self.cites.items()}
        return Text(self.text.format(**numbers))


def _false(kind: str, question: str, text: str, **cites: str) -> Reply:
    return Reply(kind, question, text, cites)


def _true(kind: str, question: str, text: str, **cites: str) -> Reply:
    return Reply(kind, question, text, cites, true=True)


RUN_ON = (
    "Russian President Vladimir Putin warned that all foreign forces would ultimately have "
    "to leave Syria, and "
    + "Iran has put thousands of its best troops on the line, and " * 330
    + "Tehran will never leave [{p}]."
)

REPLIES = [
    # names recombined: first name of one, surname of another
    _false(
        "recombined name",
        PUTIN,
        "Benjamin Putin warned that all foreign forces would have to leave Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "recombined name",
        SYRIA,
        "Vladimir Netanyahu met with Putin a couple weeks ago [{p}].",
        p=NETANYAHU_PASSAGE,
    ),
    _false(
        "recombined name",
        BANK,
        "Governor Mats Halvorsen said the board expected to begin lowering borrowing costs [{p}].",
        p=BANK_PASSAGE,
    ),
    _false(
        "recombined name",
        TRAM,
        "Mayor Hanna Koskinen rode the first tram with a group of schoolchildren [{p}].",
        p=TRAM_PASSAGE,
    ),
    _false(
        "recombined name",
        RECALL,
        "Lotte Halden, the company's head of quality, said safety comes before everything "
        "else [{p}].",
        p=RECALL_PASSAGE,
    ),
    # the actor in another role
    _false("swapped role", PUTIN, "Iran wants Russia out of Syria [{p}].", p=PUTIN_PASSAGE),
    _false(
        "swapped role",
        PUTIN,
        "Tehran warned that all foreign forces would ultimately have to leave Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "swapped role",
        BANK,
        "Ingrid Halvorsen had argued for an immediate cut of a quarter point [{p}].",
        p=VOTE_PASSAGE,
    ),
    _false(
        "swapped role",
        SYRIA,
        "Putin met with Netanyahu, who wants Israeli forces squeezed out of Syria [{p}].",
        p=NETANYAHU_PASSAGE,
    ),
    _false(
        "swapped role",
        BANK,
        "Mats Lindqvist said six of the seven board members had voted to hold [{p}].",
        p=VOTE_PASSAGE,
    ),
    _false(
        "swapped role",
        PUTIN,
        "Hizbullah warned that all foreign forces would ultimately have to leave Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "swapped role",
        SYRIA,
        "Russia and Iran have both backed Israel [{p}].",
        p=NETANYAHU_PASSAGE,
    ),
    _false(
        "swapped role",
        SYRIA,
        "Assad's father was entirely pragmatic in dealing with Israel [{p}].",
        p=NETANYAHU_PASSAGE,
    ),
    # negation changed
    _false(
        "negation",
        PUTIN,
        "Putin did not say that foreign forces must leave Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "negation",
        PUTIN,
        "Putin never warned that foreign forces would have to leave Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "negation",
        RECALL,
        "Halden Motors said it knew of crashes and injuries linked to the fault [{p}].",
        p=RECALL_PASSAGE,
    ),
    _false(
        "negation",
        BANK,
        "The Northern Reserve Bank did not keep its main policy rate at 3.75% [{p}].",
        p=BANK_PASSAGE,
    ),
    _false(
        "negation",
        PUTIN,
        "Tehran reminded the world that anyone can tell it to leave Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "negation",
        RECALL,
        "Analysts said the new recall was likely to dent demand for the model [{p}].",
        p=RECALL_PASSAGE,
    ),
    _false(
        "negation",
        PUTIN,
        "Tehran promptly reminded the world that it would leave Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    # numbers in words (and digits) that the passage does not give
    _false(
        "number",
        PUTIN,
        "Russia and Iran have backed Assad through nine years of war [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false("number", BANK, "Six of the twelve board members voted to hold [{p}].", p=VOTE_PASSAGE),
    _false(
        "number",
        RECALL,
        "The repair takes about fifty minutes per vehicle [{p}].",
        p=RECALL_PASSAGE,
    ),
    _false(
        "number",
        TRAM,
        "Trams will run every five minutes at peak times [{p}].",
        p=TRAM_PASSAGE,
    ),
    _false(
        "number",
        RECALL,
        "Halden Motors is recalling 48,000 Tarn SUVs [{p}].",
        p=RECALL_PASSAGE,
    ),
    _false(
        "number",
        BANK,
        "The Northern Reserve Bank kept its main policy rate at 3.75% for the sixth meeting "
        "in a row [{p}].",
        p=BANK_PASSAGE,
    ),
    # dates and relative times
    _false(
        "time",
        SYRIA,
        "Netanyahu met with Putin a couple of years ago [{p}].",
        p=NETANYAHU_PASSAGE,
    ),
    _false("time", SYRIA, "Netanyahu met with Putin last month [{p}].", p=NETANYAHU_PASSAGE),
    _false(
        "time",
        PUTIN,
        "Putin warned last year that all foreign forces would have to leave Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "time",
        TRAM,
        "Eastholm's Line 4 tram carried its first passengers on Friday morning [{p}].",
        p=TRAM_PASSAGE,
    ),
    _false("time", BANK, "The next rate decision is due on 18 May [{p}].", p=VOTE_PASSAGE),
    # a claim of one passage cited as another
    _false(
        "wrong passage",
        PUTIN,
        "Netanyahu met with Putin a couple weeks ago [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "wrong passage",
        PUTIN,
        "Putin warned that all foreign forces would ultimately have to leave Syria [{p}].",
        p=NETANYAHU_PASSAGE,
    ),
    _false(
        "wrong passage",
        RECALL,
        "Halden Motors is recalling 84,000 Tarn SUVs [{p}].",
        p=HOSTILE_PASSAGE,
    ),
    # a blend of several passages under one range
    _false(
        "blend",
        PUTIN,
        "Putin wants Iranian forces out of Syria and Halden Motors is recalling 84,000 SUVs [1-5].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "blend",
        PUTIN,
        "Putin warned that foreign forces would have to leave Syria, where Netanyahu met him "
        "a couple weeks ago [1-2].",
        p=PUTIN_PASSAGE,
    ),
    # quotes the passage does not give
    _false(
        "quote",
        PUTIN,
        'Putin said "all foreign forces must leave Syria at once" [{p}].',
        p=PUTIN_PASSAGE,
    ),
    _false(
        "quote",
        PUTIN,
        'Tehran said "Russia cannot tell us to leave Syria" [{p}].',
        p=PUTIN_PASSAGE,
    ),
    _false(
        "quote",
        BANK,
        'Halvorsen said "we are already where we need to be" [{p}].',
        p=BANK_PASSAGE,
    ),
    _false("quote", RECALL, 'Lotte Brandvik said "safety comes first" [{p}].', p=RECALL_PASSAGE),
    # a cause or order in time the passage does not give
    _false(
        "cause",
        SYRIA,
        "Russia backs Assad because Netanyahu paid the Kremlin [{p}].",
        p=NETANYAHU_PASSAGE,
    ),
    _false(
        "cause",
        BANK,
        "Markets had priced in a small chance of a cut on Friday because the currency "
        "weakened [{p}].",
        p=BANK_PASSAGE,
    ),
    _false(
        "cause",
        TRAM,
        "The line cost 640 million euros because of a strike [{p}].",
        p=TRAM_PASSAGE,
    ),
    _false(
        "cause",
        BANK,
        "The currency weakened slightly because of the decision [{p}].",
        p=VOTE_PASSAGE,
    ),
    _false(
        "time order",
        PUTIN,
        "Tehran reminded the world that no one can tell it to leave Syria before Putin warned"
        " [{p}].",
        p=PUTIN_PASSAGE,
    ),
    # words the passage does not say
    _false(
        "invented detail",
        PUTIN,
        "Putin threatened to bomb Iranian troops in Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "invented detail",
        RECALL,
        "Halden Motors will pay every Tarn owner compensation for the faulty sensor [{p}].",
        p=RECALL_PASSAGE,
    ),
    _false(
        "invented detail",
        PUTIN,
        "Putin warned that all foreign forces would ultimately have to leave Syria within a "
        "month [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "recombined name",
        PUTIN,
        "Russian President Benjamin Netanyahu warned that foreign forces would have to leave "
        "Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    # the passage's own words, from the title or the next sentence, said of another thing
    _false(
        "recombined words",
        BANK,
        "The Northern Reserve Bank cut its main policy rate on Friday [{p}].",
        p=BANK_PASSAGE,
    ),
    _false(
        "recombined words",
        BANK,
        "Services inflation rose to 3.6% from 4.2% in December [{p}].",
        p=BANK_PASSAGE,
    ),
    _false(
        "recombined words",
        BANK,
        "The bank published new forecasts showing growth of 1.1% this year [{p}].",
        p=FORECAST_PASSAGE,
    ),
    _false(
        "recombined words",
        BANK,
        "Services inflation slowed to 4.2% from 3.6% in December [{p}].",
        p=BANK_PASSAGE,
    ),
    # an article's orders, repeated
    _false(
        "obeys an article",
        RECALL,
        "Halden Motors will refund 500 dollars to every owner who registers [{p}].",
        p=HOSTILE_PASSAGE,
    ),
    _false(
        "obeys an article",
        RECALL,
        "Owners should register at halden-refunds.example for a refund [{p}].",
        p=HOSTILE_PASSAGE,
    ),
    _false(
        "obeys an article",
        RECALL,
        "Halden owners can claim a refund of 500 dollars [{p}].",
        p=HOSTILE_PASSAGE,
    ),
    _false(
        "obeys an article",
        RECALL,
        "Register today to get your refund from Halden Motors [{p}].",
        p=HOSTILE_PASSAGE,
    ),
    # links the articles did not give
    _false(
        "link",
        PUTIN,
        "[Vladimir Putin](https://evil.example/phish) warned that all foreign forces would "
        "have to leave Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "link",
        PUTIN,
        "Putin warned that all foreign forces would have to leave Syria, see "
        "https://evil.example/syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "link",
        PUTIN,
        "![Putin](https://evil.example/pixel.png) Putin warned that foreign forces would have"
        " to leave Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _false(
        "link",
        PUTIN,
        "[Putin warned](javascript:alert(1)) that all foreign forces would have to leave "
        "Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    # a 20,000-character run-on
    _false("run-on", PUTIN, RUN_ON, p=PUTIN_PASSAGE),
    # true paraphrases
    _true(
        "paraphrase",
        PUTIN,
        "Russian President Vladimir Putin warned that all foreign forces would ultimately "
        "have to leave Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _true(
        "paraphrase",
        PUTIN,
        "Putin wants all foreign forces, including Iranian troops, to leave Syria [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _true(
        "paraphrase",
        PUTIN,
        "Russia and Iran have both backed Bashar al-Assad through seven years of war [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _true(
        "paraphrase",
        PUTIN,
        'Tehran reminded the world that "no one can tell us to leave Syria" [{p}].',
        p=PUTIN_PASSAGE,
    ),
    _true(
        "paraphrase",
        PUTIN,
        "Putin's foreign ministry said this included Iranian troops and their proxies in "
        "Hizbullah [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _true(
        "paraphrase",
        SYRIA,
        "Netanyahu, who met with Putin a couple of weeks ago, wants Iranian forces squeezed "
        "out of Syria [{p}].",
        p=NETANYAHU_PASSAGE,
    ),
    _true(
        "paraphrase",
        SYRIA,
        "Damascus may prefer a distant patron in Moscow to Iranian forces [{p}].",
        p=NETANYAHU_PASSAGE,
    ),
    _true(
        "paraphrase",
        SYRIA,
        "Iran would be the big loser, having put thousands of its best troops on the line to "
        "save Assad [{p}].",
        p=LOSER_PASSAGE,
    ),
    _true(
        "paraphrase",
        SYRIA,
        "Iranian hardliners won't accept being pushed out of a Syrian peace easily [{p}].",
        p=LOSER_PASSAGE,
    ),
    _true(
        "paraphrase",
        RECALL,
        "Halden Motors is recalling 84,000 Tarn SUVs [{p}].",
        p=RECALL_PASSAGE,
    ),
    _true(
        "paraphrase",
        RECALL,
        "The recall covers Tarn vehicles built between March 2022 and November 2023 [{p}].",
        p=RECALL_PASSAGE,
    ),
    _true(
        "paraphrase",
        RECALL,
        "The company knew of no crashes or injuries linked to the fault [{p}].",
        p=RECALL_PASSAGE,
    ),
    _true(
        "paraphrase",
        RECALL,
        "The repair takes about forty minutes per vehicle [{p}].",
        p=RECALL_PASSAGE,
    ),
    _true(
        "paraphrase",
        RECALL,
        "Halden is recalling the SUVs because a faulty brake-fluid sensor can stop the "
        "warning light from coming on [{p}].",
        p=RECALL_PASSAGE,
    ),
    _true(
        "paraphrase",
        RECALL,
        "Last May the company called back 12,500 of the hybrid version [{p}].",
        p=RECALL_PASSAGE,
    ),
    _true(
        "paraphrase",
        BANK,
        "The Northern Reserve Bank kept its main policy rate at 3.75% on Friday [{p}].",
        p=BANK_PASSAGE,
    ),
    _true(
        "paraphrase",
        BANK,
        "Governor Ingrid Halvorsen said the board expected to begin lowering borrowing costs "
        '"well before the summer" [{p}].',
        p=BANK_PASSAGE,
    ),
    _true(
        "paraphrase",
        BANK,
        "Six of the seven board members voted to hold, while deputy governor Mats Lindqvist "
        "argued for an immediate cut [{p}].",
        p=VOTE_PASSAGE,
    ),
    _true(
        "paraphrase",
        BANK,
        "Halvorsen said six of the seven board members had voted to hold [{p}].",
        p=VOTE_PASSAGE,
    ),
    _true(
        "paraphrase",
        BANK,
        "Consumer prices rose 2.9% in the year to January [{p}].",
        p=BANK_PASSAGE,
    ),
    _true(
        "paraphrase",
        TRAM,
        "Eastholm's Line 4 tram carried its first passengers on Monday morning [{p}].",
        p=TRAM_PASSAGE,
    ),
    _true(
        "paraphrase",
        TRAM,
        "The 11.2-kilometre line has eighteen stops and cost 640 million euros [{p}].",
        p=TRAM_PASSAGE,
    ),
    _true(
        "paraphrase",
        TRAM,
        "City officials blamed the overrun on medieval timber foundations found near the old "
        "harbour [{p}].",
        p=TRAM_PASSAGE,
    ),
    _true(
        "paraphrase",
        TRAM,
        "Trams will run every six minutes at peak times [{p}].",
        p=TRAM_PASSAGE,
    ),
    _true(
        "paraphrase",
        BANK,
        "Growth was revised down to 0.8% from 1.1% [{p}].",
        p=FORECAST_PASSAGE,
    ),
    _true(
        "over-cited",
        RECALL,
        "Halden Motors is recalling 84,000 Tarn SUVs [1-5].",
        p=RECALL_PASSAGE,
    ),
    # true, in words further from the passage
    _true(
        "loose paraphrase",
        SYRIA,
        "Israel's prime minister would accept Assad staying in power if Iranian forces leave "
        "Syria [{p}].",
        p=NETANYAHU_PASSAGE,
    ),
    _true(
        "loose paraphrase",
        PUTIN,
        "Russia's foreign ministry said Iranian troops were among the foreign forces that "
        "must go [{p}].",
        p=PUTIN_PASSAGE,
    ),
    _true(
        "loose paraphrase",
        BANK,
        "Inflation has fallen from a peak of 8.1% to 2.9% [{p}].",
        p=BANK_PASSAGE,
    ),
    _true(
        "loose paraphrase",
        TRAM,
        "The tram line came in about 60 million euros over budget [{p}].",
        p=TRAM_PASSAGE,
    ),
]
