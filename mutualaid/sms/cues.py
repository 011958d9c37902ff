"""The slot lexicons of the SMS understanding (``mutualaid.sms.understand``), English and
Spanish: words of time (-> an urgency), words that point at a category, how many people,
and the words that mark a text as Spanish. Data only; matched against folded text (see
``mutualaid.sms.lexicon``, which holds the intent lexicons).
"""

from __future__ import annotations

import re

from mutualaid.sms.lexicon import any_of, words_of

# When: folded phrases -> urgency key (needs.URGENCIES: now, today, week, flexible).
WHEN = [
    (
        "now",
        any_of(
            r"right now|now|asap|a s a p|immediately|urgent|urgently|emergency|right away|"
            r"as soon as possible|this minute|hurry|quick|quickly",
            r"ahora|ahorita|ya mismo|ya$|urgente|inmediat\w*|lo antes posible|cuanto antes|"
            r"de inmediato|rapido|pronto",
        ),
    ),
    (
        "today",
        any_of(
            r"today|tonight|this (?:morning|afternoon|evening|night)|tonite|later today|2day|2nite|"
            r"by tonight|before (?:dark|tonight)|in (?:an|one|two|a few|\d+) hours?",
            r"hoy|esta (?:noche|tarde|manana)|hoy en la (?:noche|tarde|manana)|mas tarde|"
            r"en la tarde|en la noche",
        ),
    ),
    (
        "week",
        any_of(
            r"tomorrow|tmrw|tmr|tmrrw|tomorow|tommorow|tommorrow|2morrow|2moro|this week|"
            r"this weekend|the weekend|weekend|(?:on |this |next )?(?:monday|tuesday|wednesday|"
            r"thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)|"
            r"in (?:a few|two|2|three|3) days|day after tomorrow|by the end of the week",
            r"manana|pasado manana|esta semana|para la semana|este fin de semana|el fin de semana|"
            r"fin de semana|"
            r"finde|(?:el |este |proximo )?(?:lunes|martes|miercoles|jueves|viernes|sabado|"
            r"domingo)|en (?:unos|dos|tres) dias",
        ),
    ),
    (
        "flexible",
        any_of(
            r"whenever|no rush|no hurry|not urgent|anytime|any time|next week|next month|"
            r"sometime|when(?:ever)? you can|flexible|no prisa",
            r"cuando (?:sea|puedan|pueda|puedas)|sin prisa|no hay prisa|no es urgente|"
            r"la proxima semana|la semana que viene|el proximo mes|cualquier dia",
        ),
    ),
]
# "en la mañana" / "por la mañana" is "in the morning", not "tomorrow".
SPANISH_MORNING = re.compile(r"\b(?:la|por la|en la|de la|esta) manana\b")

# Words that point at a category (folded), beyond the admin's category names and synonyms
# (``categories.terms()``); used only when that category is active. Multi-word phrases first.
CATEGORY_CUES: dict[str, str] = {}
for _key, _cues in {
    "groceries": "water|agua|eat|eating|hungry|starving|hambre|comer|milk|leche|bread|pan|rice|"
    "arroz|diapers|diaper|panales|panal|formula|baby food|canned food|canned goods|beans|"
    "frijoles|eggs|huevos|supplies|provisions|food bank|pantry|despensa|groceries|abarrotes|"
    "viveres|toilet paper|papel de bano|soap|jabon|toiletries|produce|vegetables|verduras|"
    "fruit|fruta|snacks|food|foods|comida|alimentos|alimento|nothing to eat|que comer|"
    "baby formula|leche de bebe|something to eat|algo de comer|algo para comer|shop|"
    "shop for me|do my shopping|hacer las compras|hacer el mandado",
    "meals": "hot meal|hot meals|cooked meal|home cooked|dinner|lunch|breakfast|desayuno|"
    "cena|almuerzo|soup|sopa|plate of food|plato de comida|comida caliente|a meal|meals|"
    "comidas|cook for|cocinar para|cook me",
    "transport": "ride|rides|lift|drive me|drive us|driver|drivers|take me to|take us to|"
    "take me|get to my|"
    "get me to|rait|llevarlo|llevarla|lleve|llevarnos|minivan|"
    "give me a ride|pick me up|pick us up|car|cars|truck|airport|bus fare|taxi|uber|"
    "aventon|raite|ride to|llevarme|llevarnos|llevar a|me lleve|nos lleve|chofer|conductor|"
    "carro|coche|camioneta|troca|manejar|transporte|transport|transportation|appointment "
    "ride|to the hospital|al hospital|a la clinica",
    "medical": "meds|med|medication|medications|medicine|medicines|insulin|insulina|"
    "prescription|prescriptions|pharmacy|farmacia|doctor|doctors|clinic|clinica|hospital|"
    "nurse|enfermera|enfermero|oxygen|oxigeno|inhaler|inhalador|wheelchair|silla de ruedas|"
    "walker|andadera|sick|fever|fiebre|injured|injury|hurt|wound|herida|herido|"
    "medicina|medicinas|medicamento|medicamentos|pastillas|pills|receta|enfermo|enferma|"
    "enfermos|dialysis|dialisis|diabetic|diabetes|first aid|primeros auxilios|bandages|"
    "vendas|blood pressure|presion|covid|vaccine|vacuna|dentist|dentista|fell|se cayo|"
    "adult diapers|panales para adulto|muela|tos|cough|"
    "chest pain|bleeding|sangrando|cant breathe|no puede respirar",
    "childcare": "kids|kid|children|child|baby|babies|babysit|babysitter|babysitting|"
    "daycare|school pickup|pick up my kids|pick up the kids|watch my kids|watch the kids|"
    "ninos|nino|ninas|nina|ninera|bebe|bebes|guarderia|cuidar a mis hijos|hijos|hijas|"
    "cuidar ninos|nanny|nannies|after school|childcare|child care",
    "housing": "shelter|shelters|tent|tents|carpa|carpas|casa de campana|roof|techo|"
    "house destroyed|house is destroyed|my house|our house|homeless|rent|renta|"
    "alquiler|evicted|eviction|desalojo|place to stay|somewhere to stay|place to sleep|"
    "somewhere to sleep|where to sleep|donde dormir|donde quedarme|donde quedarnos|"
    "refugio|albergue|repair|repairs|reparar|reparacion|leak|leaking|gotera|goteras|"
    "plumbing|plomeria|heater|heat|calefaccion|moving|mudanza|move my|furniture|muebles|"
    "mattress|colchon|tarp|tarps|lona|destroyed|collapsed|flooded|inundada|inundado|"
    "inundo|destruida|destruido|destruidas|destruidos|se cayo la casa|vivienda|housing|"
    "cuarto|apartment|apartamento|"
    "plumber|plomero|electrician|electricista|carpenter|carpintero|handyman|contractor|"
    "damage|mold|moho|clean up|cleaning|desalojar|en la calle|on the street|living in my car|"
    "sleeping in my car|sin hogar|luz|electricity|no power|power is out|plywood|windows",
    "errands": "pick up|pickup|drop off|post office|mail|package|packages|laundry|lavanderia|"
    "correo|paquete|tramite|tramites|mandado|mandados|recado|recados|errand|errands|"
    "bank|banco|pay a bill|shopping for me|library books|dry cleaning|ups|fedex|"
    "papeles al|documentos al",
    "companionship": "sit with|stay with|keep company|keep her company|keep him company|"
    "visit|visits|lonely|alone|talk to|someone to talk|check on|check in on|company|"
    "acompanar|acompanarla|acompanarlo|acompanamiento|compania|estoy sola|estoy solo|"
    "acompane|acompanen|accompany|check on|checks on|vive sola|vive solo|esta sola|"
    "vivo sola|vivo solo|visitar|visita|"
    "platicar|hablar con alguien|cuidar a mi mama|cuidar a mi papa|cuidar a mi abuela|"
    "quedarse con|companion|companionship|elderly|anciana|anciano|viejita|viejito",
    "other": "clothes|clothing|ropa|shoes|zapatos|jacket|coat|chamarra|abrigo|blanket|"
    "blankets|cobija|cobijas|frazada|charger|cargador|money|dinero|cash|"
    "legal|lawyer|abogado|translator|translation|traductor|traduccion|interpreter|"
    "interprete|job|trabajo|documents|documentos|papers|papeles|generator|generador|"
    "flashlight|linterna|batteries|pilas|mechanic|mecanico|dog food|cat food|"
    "comida para perro",
}.items():
    for _cue in _cues.split("|"):
        CATEGORY_CUES.setdefault(_cue, _key)
CATEGORY_CUE_PATTERN = re.compile(
    r"\b(?:" + "|".join(sorted(CATEGORY_CUES, key=len, reverse=True)) + r")\b"
)
# Cue words that name a category only weakly: people ("my kids"), places of care ("the
# doctor") and water ("water damage"). A category found only through them comes after the
# others ("mi bebe esta enfermo y necesito llevarlo al doctor": transport, then medical).
WEAK_CUES = frozenset(
    words_of(
        "kids kid children child baby babies ninos nino nina ninas hijos hijas hijo hija bebe "
        "bebes doctor doctors docter clinic clinica hospital sick enfermo enferma enfermos "
        "water agua elderly anciana anciano viejita viejito apartment apartamento cuarto"
    )
)
# Words that look like category words but, in these phrases, are not ("help" is not a need).
NOT_CATEGORY = re.compile(
    r"\b(?:my car|the car|a car) (?:is|was) (?:outside|parked|here)|"
    r"\bhome (?:now|soon|later|at)\b|\b(?:at|be|get|got|go|going|back|im|i am) home\b"
)

PEOPLE = re.compile(
    r"\b(?:for |para |we are |were |somos |familia de |family of )?(\d{1,2}|two|three|four|"
    r"five|six|seven|eight|nine|ten|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez)\s+"
    r"(?:people|persons|ppl|of us|adults|kids|children|family members|personas|adultos|"
    r"ninos|miembros|de nosotros|helpers|volunteers|neighbors|vecinos|ayudantes)\b"
)
NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
}  # fmt: skip
# Words only a Spanish writer uses (for the language of a new texter's replies).
SPANISH_MARKERS = frozenset(
    [
        "puede",
        "pueden",
        "abuela",
        "abuelo",
        "hijo",
        "hija",
        "hijos",
        "esposo",
        "esposa",
        "tiene",
        "hay",
        "muy",
        "pero",
        "porque",
        "ella",
        "el",
        "su",
        "tu",
        "alguien",
        "nosotros",
        "respirar",
        "ayudenme",
        "vivo",
        "familia",
        "dinero",
        "senor",
        "senora",
        "aqui",
        "gracias",
        "tambien",
        "cuando",
        "como",
        "nada",
        "necesito",
        "necesitamos",
        "necesita",
        "ayuda",
        "ayudar",
        "por",
        "favor",
        "comida",
        "agua",
        "hola",
        "gracias",
        "quiero",
        "tengo",
        "tenemos",
        "puedo",
        "podemos",
        "alguien",
        "mi",
        "mama",
        "mañana",
        "manana",
        "hoy",
        "casa",
        "para",
        "con",
        "que",
        "una",
        "los",
        "las",
        "del",
        "esta",
        "estoy",
        "somos",
        "donde",
        "nos",
        "para",
        "medicina",
        "ropa",
        "hambre",
        "urgente",
        "favor",
        "ofrezco",
        "soy",
        "ocupo",
        "renta",
        "cerca",
        "iglesia",
        "calle",
    ]
)
