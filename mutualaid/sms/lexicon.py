"""The lexicons the SMS understanding reads (``mutualaid.sms.understand``), English and
Spanish: cues of a request, an offer, yes and no in words, thanks, chat for a group, a
question, an emergency; words that point at a category; words of time. Data only.

Every pattern is matched against *folded* text: lower case, accents removed, apostrophes
dropped ("can't" -> "cant", "mañana" -> "manana"), other punctuation turned into spaces.
Patterns are written for general language, not for particular texts: a phrase is listed
because people say it, in both languages where both exist (docs/decisions.md, issue 18).
"""

from __future__ import annotations

import re


def words_of(words: str) -> list[str]:
    return words.split()


def any_of(*parts: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b")


# Someone / anyone, and the verbs people ask them for.
_SOMEONE = r"(?:some ?one|some ?body|any ?one|any ?body|anybody|you|u|ya|y all|yall|people)"
_ASK_VERBS = (
    r"(?:help|bring|pick|get|drive|take|sit|stay|come|send|give|lend|watch|check|go|buy|do|"
    r"grab|drop|carry|fix|cook|deliver|spare|donate|find|call|visit|look)"
)

# The signs of a request for help (scored; "if anyone needs a ride I can drive" is an offer:
# OFFER_IF_NEEDED is taken out of the text before these are tried).
REQUEST = any_of(
    r"(?:i|we|me|my \w+|mom|mum|mother|dad|father|wife|husband|son|daughter|family|grandma|"
    r"grandmother|grandpa|abuela|she|he|they|us|kids|baby|neighbor|neighbour)\s+"
    r"(?:really |urgently |still |desperately |also |just |badly |all )?"
    r"(?:need|needs|needed|neeed|nee?d|ned|nead|requires?|want)",
    r"^(?:need|needs|neeed|nead|needing|requesting|request)",
    r"need(?:s|ing)? (?:help|food|water|a|an|some|someone|somebody|assistance|diapers|meds|"
    r"medicine|shelter|ride|money|clothes|supplies|everything|to eat|to get|to go)",
    r"help me|help us|helpe? me|halp|please help|pls help|plz help|plis help|help please|"
    r"help pls|help plz|sos",
    rf"(?:can|could|would|will|is there|are there|anyone|anybody) {_SOMEONE} (?:please )?"
    rf"{_ASK_VERBS}",
    rf"{_SOMEONE} (?:who|that) (?:can|could|would|will|is able to) (?:please )?\w+",
    rf"{_SOMEONE} (?:able|available|free|around|willing) to",
    r"looking for (?:someone|somebody|help|a |an |food|water|shelter|assistance|a ride)",
    r"(?:im|i am|we are|were|she is|shes|he is|hes|they are|theyre) (?:out of|running out|"
    r"hungry|starving|homeless|stuck|stranded|sick|alone|without|in need|desperate|"
    r"struggling|locked out|low on|short on)",
    r"(?:out of|ran out of|running out of|low on|no more) (?:food|water|milk|formula|diapers|"
    r"meds|medicine|insulin|gas|money|groceries|oxygen)",
    r"no (?:food|water|power|electricity|heat|money|ride|car|way to|one to|place to|home|"
    r"house|shelter|roof)",
    r"nothing (?:to eat|left|in the fridge)|havent eaten|have not eaten|didnt eat|hungry|"
    r"starving|need to eat",
    r"(?:can|could|would|will) (?:you|u) (?:please )?(?:send|bring|give|get|drop|help)",
    r"lost (?:my|our|everything|the house|our house|my house)|destroyed|flooded|collapsed|"
    r"burned down|evicted|eviction|kicked out",
    r"cant (?:afford|pay|get|walk|drive|carry|leave|breathe|cook|stand|see|move)|"
    r"cannot (?:afford|pay|get|walk|drive|breathe|cook)",
    r"in need of|asking for|begging|could use (?:some|a|an|help|a hand)|would (?:love|like|"
    r"appreciate) (?:someone|somebody|some|a|an|help)|(?:would be|is) a (?:blessing|big help)|"
    r"(?:is|are|feels?|feeling|im|i am) (?:so |very |really )?lonely|nobody (?:checks|visits|"
    r"helps|comes)|no one (?:checks|visits|helps|comes)|getting sick|fridge is empty|"
    r"(?:check|ebt|benefits|payment) (?:is|are|hasnt|has not|didnt) (?:late|come|arrived)",
    # Spanish
    r"necesit\w*|nesesit\w*|necesit|neseci\w*|ocup(?:o|amos|an)",
    r"(?:me|nos|le|les) (?:hace|hacen) falta|hace falta|(?:me|nos|le|les) falta\w*",
    r"ayud(?:a|en|eme|enme|enos|ame|anos|eme por favor)|auxilio|socorro|ayuda por favor",
    r"alguien (?:que |quien )?(?:me |nos |le |les )?(?:pued\w*|podr\w*|tenga|sepa|ayud\w*|"
    r"traig\w*|lleve|recoj\w*|cuide|vaya|venga|de|preste|regale|mande)",
    r"(?:puede|pueden|podria|podrian|puedes|podrias) (?:alguien (?:me |nos |le |les )?|me |nos |"
    r"le |les )(?:ayudar|traer|llevar|recoger|cuidar|buscar|mandar|enviar|acompa\w*|dar|prestar|"
    r"conseguir|comprar|pasar|ir|venir|hacer|cocinar|visitar|ver|regalar|donar)",
    r"(?:me|nos|le|les) (?:puede|pueden|podria|podrian|puedes|podrias) "
    r"(?!decir|explicar|informar|dar informacion)",
    r"(?:ayudar|traer|llevar|recoger|cuidar|buscar|mandar|enviar|acompanar|dar|prestar|"
    r"conseguir|comprar|hacer|cocinar|visitar)(?:me|nos)",
    r"alguien que (?:me |nos |le |les |la |lo )?\w+|(?:esta|estoy|vive|vivo) (?:muy )?(?:sol[ao]|"
    r"enferm[ao])|me van a (?:correr|sacar|desalojar|cortar)|(?:la|mi) renta",
    r"busc(?:o|amos|ando) (?:a alguien|ayuda|quien|comida|agua|donde|un |una |trabajo)",
    r"no (?:tengo|tenemos|hay|tiene|tienen) (?:comida|agua|dinero|casa|donde|carro|como|luz|"
    r"nada|que comer|techo|para|ropa|gas|medicina|leche|quien)",
    r"sin (?:comida|agua|luz|casa|techo|dinero|hogar|nada|trabajo|medicina)",
    r"(?:tengo|tenemos|tiene|tienen) hambre|hambre|no he comido|no hemos comido",
    r"se (?:me|nos|le|les) (?:acab\w*|termin\w*)|se (?:me|nos|le|les) (?:inund\w*|quem\w*|"
    r"cayo la casa|destruy\w*)|destruid\w*|perdimos|perdi (?:todo|la casa|mi casa)",
    r"desalojo|desalojar\w*|nos corren|no alcanza|no me alcanza|no puedo pagar|"
    r"(?:en|a) la calle|sin hogar|quedo destruid\w*|cualquier (?:comida|cosa|ayuda)",
    r"quisiera (?:pedir|solicitar|ayuda)|solicit\w*|pido|pedimos|por favor ayud\w*",
)

# A bare "need" anywhere is a request, unless it asks someone else ("do you need milk?").
NEED_WORD = re.compile(r"\b(?:need|needs|needed|necesit\w*|ocup[oa])\b")
NOT_MY_NEED = re.compile(
    r"\b(?:do|does|did|if|whatever|what|anything) (?:you|u|she|he|they|anyone|else)? ?"
    r"(?:need|needs)|\bno need\b|\bdont need|\bdo not need|\bnecesit\w+ algo mas\b|"
    r"\bque (?:mas )?necesit"
)
# Phrases of thanks or of someone else asking that must not read as a request.
NOT_REQUEST = re.compile(
    r"\b(?:for|por) (?:the|your|all the|su|tu|la|toda la) (?:help|ayuda)\b|\bfor helping\b"
)
# Phrases that are not an offer: someone else who can ("anyone who could drive me"), and
# "no puedo cocinar".
NOT_OFFER = re.compile(
    r"\b(?:some ?one|any ?one|some ?body|any ?body|people|alguien|personas?) (?:who|that|que) "
    r"(?:can|could|pueda|puede|puedan|pueden|would|will) \w+|\bno (?:puedo|podemos|puede|"
    r"pueden)\b \w+"
)

# An offer: someone able and willing.
OFFER_IF_NEEDED = re.compile(
    r"\b(?:if|for) (?:any ?one|some ?one|any ?body|some ?body|you|u|people|anyone who|those)"
    r"(?: who| that)? (?:still )?(?:need|needs|needed|require)\w*|\b(?:si|para) (?:alguien|"
    r"alguno|quien|quienes|ustedes|usted|la gente que|personas que|los que|las que) "
    r"(?:lo |la |los |las )?(?:necesit\w*|ocup\w*)|\ba quien (?:lo |la )?(?:necesite|ocupe)\b"
)
_HELP_VERBS = (
    r"(?:help|helping|volunteer|drive|give|donate|cook|bring|deliver|pick|shop|babysit|watch|"
    r"sit|offer|lend|provide|assist|take|fix|repair|carry|translate|share|contribute|"
    r"host|house|store|spare|run errands|do errands|do groceries|do shopping|pitch in|visit|"
    r"call|check on|babysit)(?! (?:it|me|us)\b)"
)
OFFER = any_of(
    rf"(?:i|we|i d|we d|id|wed|my \w+ and i)\s+(?:can|could|would like to|want to|wanna|"
    rf"am able to|are able to|am happy to|m happy to|are happy to|would love to|d love to|"
    rf"love to|like to|am available to|are available to|will|ll|am willing to|are willing to|"
    rf"have time to|plan to|am ready to|are ready to|could also|can also)\s+(?:\w+ )?{_HELP_VERBS}",
    rf"(?:happy|glad|willing|available|free|ready) to {_HELP_VERBS}",
    rf"^(?:can|could) {_HELP_VERBS}",
    rf"(?:can|could|will|would like to|want to|wants to|wanna|would love to|love to|d love to|"
    rf"am able to|is able to|are able to|happy to|glad to|able to) (?:also )?(?:{_HELP_VERBS}|"
    rf"babysit|visit|call|cook|translate|check on)(?! (?:me|us|my|mi|nos)\b)",
    r"(?:i|we) (?:have|got|own) (?:a car|a truck|a van|a pickup|a minivan|a suv|a vehicle|"
    r"extra|spare|some extra|lots of|plenty of|room|space|a spare|food to share|clothes|"
    r"clothing|blankets|tents?|free time|time)",
    r"(?:im|i am|we are|were|i work as) an? (?:\w+ )?(?:driver|nurse|doctor|mechanic|plumber|"
    r"electrician|carpenter|cook|chef|babysitter|nanny|teacher|translator|contractor|handyman|"
    r"volunteer|paramedic|emt|medic|therapist|social worker|lawyer|roofer|builder|baker|"
    r"caregiver|pharmacist|counselor)",
    r"(?:i|we) (?:volunteer|donate|offer)|volunteering|to volunteer|offering|to offer|"
    r"to donate|giving away|to give away|donations? (?:to give|available)|can donate|"
    r"free to a good home|available (?:to|for) (?:help|drive|rides|babysit|cook)",
    r"count me in for|sign me up|add me as a (?:helper|volunteer)",
    # Spanish
    r"(?:quiero|quisiera|puedo|podemos|queremos|me gustaria|nos gustaria|estoy dispuest\w*|"
    r"estamos dispuest\w*|me encantaria|nos encantaria|puedo tambien|tambien puedo|puede|"
    r"pueden)\s+(?:\w+ )?(?:ayudar|donar|dar|ofrecer|llevar|cocinar|manejar|regalar|prestar|"
    r"cuidar|colaborar|apoyar|traer|compartir|hacer|recoger|acompa\w*|ser voluntari\w*|"
    r"ser volunteer|cooperar|aportar|echar la mano|dar una mano|dar raite|dar aventon|visitar|"
    r"traducir|llamar)",
    r"ofrezco|ofrecemos|me ofrezco|nos ofrecemos|ofresco|ofrezo|les ofrezco",
    r"soy (?:\w+ )?(?:chofer|enfermer\w*|doctor\w*|medic[oa]|mecanic\w*|plomer\w*|"
    r"electricista|carpinter\w*|cociner\w*|voluntari\w*|maestr\w*|traductor\w*|"
    r"conductor\w*|nineras?|albanil|contratista|paramedic\w*|abogad\w*|cuidador\w*)",
    r"(?:tengo|tenemos) (?:un |una )?(?:carro|camioneta|troca|coche|auto|vehiculo|ropa|"
    r"comida|espacio|cuarto|tiempo|cobijas|casas? de campana|carpas?)\s+(?:para|que|de sobra|"
    r"extra|disponible|libre)",
    r"(?:tengo|tenemos) (?:ropa|comida|cobijas|tiempo libre|espacio) (?:de sobra|extra)",
    r"voluntari[oa]s? (?:para|disponible)|donar|donamos|dono|regalamos|regalo (?:ropa|comida)|"
    r"disponible para|estoy disponible|estamos disponibles",
)

# Yes / no in words (at the start of a short text, or the whole of it).
YES_START = any_of(
    r"^(?:yes|yess+|yeah|yea|yep|yup|ya|sure|surely|ok|okay|k|okey|okie|alright|all right|of "
    r"course|absolutely|definitely|certainly|count me in|im in|i am in|sounds good|will do|"
    r"yes i can|i can do it|i can do that|i can make it|i can go|i can take it|ill do it|"
    r"ill take it|ill go|i accept|accept|on it|done deal|deal|si|sii+|claro|dale|va|vale|"
    r"con gusto|cuenta conmigo|cuentan conmigo|yo puedo|si puedo|acepto|yo voy|ahi voy|"
    r"por supuesto|de acuerdo|perfecto|sale|orale|claro que si|yo lo hago|lo hago|me apunto)"
)
NO_WORDS = any_of(
    r"^(?:no|nope|nah)(?: (?:thanks|thank you|gracias|sorry|lo siento|not|puedo|i cant|"
    r"cant|today|hoy|way|perdon|disculpa))?$|^(?:no thanks|no thank you|sorry|pass|decline|"
    r"i decline|i pass|nope|nah)\b|^(?:no|nope) (?:sorry|thanks|not|cant|i cant|puedo)\b",
    r"^(?:i )?(?:cant|cannot|can not)\b(?! (?:breathe|afford|pay|get|walk))",
    r"cant make it|can not make it|cannot make it|cant do it|cannot do it|cant today|"
    r"cant go|cant come|wont be able|will not be able|not able to|unable to|not this time|"
    r"not today|have to pass|gotta pass|ill pass|im busy|i am busy|too busy|cant help",
    r"no puedo|no voy a poder|no podre|no podemos|no me es posible|hoy no|esta vez no|"
    r"lo siento no|estoy ocupad\w*|no alcanzo|paso esta vez|no creo que pueda",
)

THANKS = any_of(
    r"thanks?|thank you|thank u|thankyou|thx|tnx|ty|tysm|tyvm|appreciate|appreciated|grateful|"
    r"god bless|bless you|blessings|you re the best|youre the best|you are the best|"
    r"gracias|grasias|graciass|mil gracias|muchas gracias|agradec\w*|agradecid\w*|"
    r"bendicion\w*|dios te bendiga|dios les bendiga|dios los bendiga|que dios"
)

# Chat for the people one is helping with (only read when nothing stronger is there).
GROUP = any_of(
    r"on my way|omw|on the way|otw|running late|running behind|be there|be right there|"
    r"im here|i am here|we re here|were here|im outside|i am outside|outside|downstairs|"
    r"upstairs|at the door|front door|back door|lobby|doorman|doorbell|buzz|buzzer|ring|knock|"
    r"leave (?:it|them|the|that)|drop (?:it|them) off|dropped|coming over|coming up|"
    r"coming down|see you|see u|got it|got the|picked up|just left|leaving now|heading|"
    r"headed|parked|parking|traffic|minutes? away|mins? away|min away|eta|ready when|"
    r"text me|call me|my number|door code|apt|apartment|floor|unit|gate|elevator|"
    r"almost there|nearly there|be down|come down|come up|the bags|the box|the keys|"
    r"shopping|store|receipt|change back|venmo|zelle|cash app|minutes late|mins late|min late|"
    r"be late|door|the list|got everything|got you|lobby",
    r"en camino|voy en camino|ya voy|voy para alla|llego|llegando|llegue|estoy afuera|"
    r"ya estoy|abajo|en la puerta|nos vemos|dejal\w*|dejel\w*|la puerta|timbre|toca|tocar|"
    r"paso (?:a las|por)|te aviso|le aviso|les aviso|ya sali|voy saliendo|estacion\w* "
    r"(?:afuera|enfrente)|el portero|las bolsas|la caja|las llaves|el recibo|mi numero|"
    r"marcame|llamame|escribeme|te espero|lo espero|la espero|los espero|ya compre|"
    r"compre todo|la entrada|en la entrada|apartamento es|llego tarde|ahorita llego|"
    r"ya llegue|ya casi",
)

QUESTION_START = any_of(
    r"^(?:who|what|when|where|why|how|is|are|do|does|did|can i|could i|will|would|should|"
    r"which|whats|wheres|whos|hows|que|quien|quienes|cuando|donde|como|cual|cuales|"
    r"por que|porque|hay|es|son|puedo|tienen|tiene|cuanto|cuantos|cuesta)"
)

# Signs of an emergency: the texter is told to call the emergency number at once.
EMERGENCY = any_of(
    r"911|9 1 1",
    r"(?:fell|has fallen|have fallen|had a fall|took a fall|fallen down|fell down)",
    r"(?:cant|can not|cannot|could not|couldnt|unable to|trouble|hard to|struggling to|not) "
    r"breath\w*|short of breath|shortness of breath|choking|chocking",
    r"chest pains?|heart attack|cardiac|stroke|seizures?|unconscious|passed out|"
    r"not responding|unresponsive|not waking up|wont wake up|overdos\w*|od d|fainted|"
    r"collapsed|not breathing",
    r"bleeding|blood everywhere|lots of blood|bleeding badly|stabbed|shot|gunshot|"
    r"broken bone|hit by a car|car accident|badly hurt|seriously hurt|severely injured",
    r"suicid\w*|kill myself|end my life|want to die|wanna die|hurt myself|take my life|"
    r"end it all|no reason to live",
    r"on fire|house fire|fire in|smell gas|gas leak|carbon monoxide|being attacked|"
    r"someone broke in|break in|domestic violence|hitting me|he hits|she hits|abuse|abused",
    r"emergency",
    # Spanish
    r"emergencia|urgencia medica|se (?:cayo|callo|ha caido|a caido)|me cai|nos caimos|"
    r"(?:no )?(?:puede|puedo|podia) respirar|le falta el aire|me falta el aire|no respira|"
    r"asfixi\w*|ahog\w*",
    r"dolor (?:en el |de |del )?pecho|ataque (?:al|del) corazon|infarto|derrame|convulsi\w*|"
    r"inconsciente|se desmay\w*|desmayad\w*|no despierta|no responde|sobredosis",
    r"sangr\w*|apunal\w*|balead\w*|disparo|atropell\w*|hueso roto|herid[oa] grave",
    r"quiero morir\w*|me quiero morir|matarme|quitarme la vida|no quiero vivir|hacerme dano|"
    r"terminar con todo",
    r"incendio|se quema|fuego|fuga de gas|huele a gas|me estan pegando|me pega|violencia",
)
# "no emergency", "not an emergency", "in case of emergency": not a sign.
NOT_EMERGENCY = re.compile(
    r"\b(?:no|not an?|non|not|in case of|if there is an?|no es una?|no es|sin) "
    r"(?:emergency|emergencia|urgencia|rush)\b"
)
