"""The classifier's built-in phrase tables: one tuple of phrases per language.

Data only; `vocabulary.PhraseMatcher` says how a phrase matches (whole
words, case- and accent-insensitive, `*` for up to three words).  Keep
phrases specific: short, common words cause false positives in the
post-sale inquiries that make up most of the mail.  Adding a language or a
phrase is an edit here.
"""

from __future__ import annotations

# Asking before buying: availability, price, delivery time for an item not
# ordered yet.  Counted only when no order of the seller was found.
PRE_SALE: dict[str, tuple[str, ...]] = {
    "de": (
        "vor dem Kauf", "vor meinem Kauf", "vor der Bestellung", "bevor ich bestelle",
        "bevor ich kaufe", "bevor ich den Artikel kaufe", "bevor ich das kaufe",
        "ist der Artikel lieferbar", "ist der Artikel verfügbar", "ist das noch lieferbar",
        "ist der Artikel noch verfügbar", "ist das Produkt verfügbar", "wieder lieferbar",
        "wieder auf Lager", "haben Sie das auf Lager", "vorrätig",
        "möchte gerne bestellen", "möchte bestellen", "würde gerne bestellen",
        "würde gerne kaufen", "überlege zu kaufen", "Kaufinteresse", "vor dem Bestellen",
        "Mengenrabatt", "würde ich * bestellen", "würde ich * kaufen", "würde * gerne bestellen",
        "möchte * bestellen", "möchte * kaufen", "will * bestellen", "bevor ich * bestelle",
        "bevor ich * kaufe", "gibt es * auch in", "gibt es * auch als", "gibt es den auch",
        "gibt es die auch", "gibt es das auch", "noch lieferbar", "noch erhältlich",
        "noch vorrätig", "wann wieder verfügbar", "wann ist * wieder", "liefern Sie auch nach",
        "liefern Sie auch in", "versenden Sie auch nach", "versenden Sie auch in",
        "Staffelpreis", "bei Abnahme von", "überlege * zu kaufen", "überlege * zu bestellen",
        "Interesse an", "interessiere mich für", "hätten Sie * auch", "haben Sie * auch in",
        "würde gerne * nehmen", "würde * nehmen",
    ),
    "fr": (
        "avant d'acheter", "avant l'achat", "avant de commander", "avant ma commande",
        "avant de passer commande", "est-il disponible", "est-il en stock",
        "est-ce disponible", "est-il toujours disponible", "de nouveau disponible",
        "avez-vous en stock", "je souhaite acheter", "je voudrais acheter",
        "je voudrais commander", "je souhaite commander", "je compte acheter",
        "remise sur quantite", "avant d'effectuer ma commande", "voudrais en commander",
        "voudrais en acheter", "je voudrais * commander", "je voudrais * acheter",
        "je souhaiterais * commander", "je souhaiterais acheter", "avant de * commander",
        "avant d'acheter", "est-ce que * existe en", "existe-t-il en", "existe-il en",
        "livrez-vous", "livrez-vous en", "expédiez-vous en", "est-il encore disponible",
        "encore disponible", "toujours en stock", "remise pour", "prix de gros",
        "avant mon achat", "avant achat", "intéressé par", "intéressée par", "j'hésite à",
        "je pense acheter", "je compte commander",
    ),
    "en": (
        "before I buy", "before buying", "before purchasing", "before I purchase",
        "before I order", "before ordering", "before placing an order",
        "do you have in stock", "do you have this in stock", "do you have it in stock",
        "is it in stock", "is this in stock", "is this item in stock", "back in stock",
        "is it available", "is this available", "is this item available",
        "is this still available", "would like to buy", "would like to purchase",
        "would like to order", "want to buy", "thinking of buying", "planning to buy",
        "interested in buying", "interested in purchasing", "bulk discount",
        "discount for quantity", "I'd like to order", "I'd like to buy", "I would like to order",
        "I'd order", "I would order", "I'll order", "I will order", "I'd buy", "I would buy",
        "like to order * if", "before I place", "before placing", "before ordering",
        "does it come in", "does this come in", "does * come in", "available in",
        "do you ship to", "do you deliver to", "can you ship to", "can you deliver to",
        "ship to * and how long", "still available", "in stock", "when will * be back",
        "discount if I buy", "discount if I order", "bulk order", "wholesale price",
        "thinking about getting", "thinking of getting", "thinking about buying",
        "considering buying", "considering ordering", "interested in", "before purchase",
        "if I order", "if I buy", "planning to order",
    ),
    "zh": (
        "购买前", "购买之前", "下单前", "下单之前", "买之前", "有货吗", "有没有货", "还有货吗",
        "有现货吗", "是否有货", "是否有现货", "想购买", "想买", "打算购买", "准备购买",
        "批发价", "能便宜", "購買前", "有貨嗎", "下单之前", "想买", "想要买", "想订", "能寄到",
        "能发到", "可以寄到", "有没有黑色", "有没有其他颜色", "什么时候有货", "还有吗", "想给",
        "打算买", "准备买", "考虑买", "买一个", "买两个",
    ),
    "it": (
        "prima di acquistare", "prima dell'acquisto", "prima di ordinare",
        "è disponibile", "e ancora disponibile", "disponibile in magazzino",
        "avete disponibilità", "vorrei acquistare", "vorrei comprare", "vorrei ordinare",
        "di nuovo disponibile", "vorrei ordinarne", "vorrei comprarne", "vorrei * ordinare",
        "vorrei * acquistare", "prima di * ordinare", "è disponibile anche", "disponibile anche",
        "spedite in", "spedite anche", "avete ancora", "ancora disponibile",
        "interessato all'acquisto", "interessata all'acquisto", "interessato a", "sto pensando di",
    ),
    "es": (
        "antes de comprar", "antes de la compra", "antes de pedir", "antes de hacer el pedido",
        "está disponible", "esta disponible", "tienen en stock", "tienen stock",
        "hay stock", "quiero comprar", "quisiera comprar", "me gustaría comprar",
        "quisiera pedir", "de nuevo disponible", "quisiera * comprar", "quisiera * pedir",
        "me gustaría * comprar", "me gustaría * pedir", "antes de * comprar",
        "disponible en", "envían a", "hacen envíos a", "todavía disponible", "aún disponible",
        "pensando en comprar", "pensando en pedir", "interesado en", "interesada en",
    ),
    "nl": (
        "voor aankoop", "voordat ik bestel", "voordat ik koop", "voor ik bestel",
        "is het op voorraad", "is dit op voorraad", "is het leverbaar", "is dit leverbaar",
        "weer op voorraad", "wil graag kopen", "wil graag bestellen", "zou graag bestellen",
        "dan bestel ik", "dan koop ik", "wil * bestellen", "zou * bestellen", "zou * kopen",
        "voordat ik * bestel", "verkrijgbaar in", "ook verkrijgbaar", "nog verkrijgbaar",
        "nog leverbaar", "leveren jullie in", "leveren jullie ook", "versturen jullie naar",
        "twijfel * of ik", "overweeg * te kopen", "geïnteresseerd in", "of ik * bestel",
    ),
    "pl": (
        "przed zakupem", "przed zamówieniem", "zanim kupię", "zanim zamówię",
        "czy jest dostępny", "czy jest dostępna", "czy jest dostępne", "czy jest na stanie",
        "czy produkt jest dostępny", "chciałbym kupić", "chciałabym kupić",
        "chciałbym zamówić", "chciałabym zamówić", "chciałbym * kupić", "chciałabym * kupić",
        "chciałbym * zamówić", "chciałabym * zamówić", "zanim * zamówię", "zanim * kupię",
        "jest dostępna w", "jest dostępny w", "czy wysyłacie do", "czy wysyłają Państwo",
        "nadal dostępny", "nadal dostępna", "zastanawiam się nad zakupem", "zastanawiam się",
        "przed zakupem", "interesuje mnie", "jestem zainteresowany", "jestem zainteresowana",
    ),
}

# Saying outright that nothing is bought yet ("before I place my order"):
# decides pre-sale even where purchase words follow ("my order").
BEFORE_BUYING: dict[str, tuple[str, ...]] = {
    "de": ("vor dem Kauf", "vor meinem Kauf", "vor der Bestellung", "vor dem Bestellen",
           "bevor ich * bestelle", "bevor ich * kaufe", "bevor wir * bestellen"),
    "fr": ("avant d'acheter", "avant l'achat", "avant mon achat", "avant de * commander",
           "avant ma commande", "avant de passer commande", "avant d'effectuer ma commande"),
    "en": ("before I buy", "before buying", "before purchasing", "before I purchase",
           "before I order", "before ordering", "before placing", "before I place",
           "before we order", "before we buy"),
    "zh": ("购买前", "购买之前", "下单前", "下单之前", "买之前", "購買前"),
    "it": ("prima di acquistare", "prima dell'acquisto", "prima di * ordinare"),
    "es": ("antes de comprar", "antes de la compra", "antes de * pedir",
           "antes de hacer el pedido"),
    "nl": ("voor aankoop", "voordat ik * bestel", "voordat ik * koop", "voor ik bestel"),
    "pl": ("przed zakupem", "przed zamówieniem", "zanim * zamówię", "zanim * kupię"),
}

# Pre-orders of items not released yet: out of CSBA's scope even with an
# order id (the help page excludes "précommandes").
PRE_ORDER: dict[str, tuple[str, ...]] = {
    "de": ("Vorbestellung", "Vorbestellungen", "vorbestellen", "vorbestellt",
           "vorbestellte", "vorbestellten", "Erscheinungsdatum", "Erscheinungstermin"),
    "fr": ("précommande", "précommandes", "précommander", "précommandé", "pré-commande",
           "date de sortie"),
    "en": ("pre-order", "pre-orders", "pre-ordered", "pre-ordering", "release date"),
    "zh": ("预订", "预售", "預訂", "預購", "发售日期", "上市日期"),
    "it": ("preordine", "pre-ordine", "preordinato", "prenotazione", "data di uscita"),
    "es": ("reserva del producto", "preventa", "pre-pedido", "prepedido",
           "fecha de lanzamiento"),
    "nl": ("voorbestelling", "voorbestellen", "voorbesteld", "releasedatum"),
    "pl": ("przedsprzedaż", "przedsprzedaży", "zamówienie przedpremierowe", "data premiery"),
}

# A seller writing about its own account, not handing over an inquiry.
# Only looked for when no forward was recognised.
ACCOUNT: dict[str, tuple[str, ...]] = {
    # Words a customer uses too ("Gebühren", "my account", "mon compte",
    # "Anmeldung") are not listed alone: a seller pasting a customer's mail
    # without a forward header must not be taken for an account question.
    "de": (
        "CSBA-Gebühr", "CSBA-Gebühren", "CSBA Gebühren", "CSBA-Kosten", "Gebührenrechnung",
        "CSBA-Rechnung", "Gebühren für CSBA", "Gebühren für den Kundenservice",
        "Kundenservice durch Amazon", "Kundenservice von Amazon", "anmelden bei CSBA",
        "bei CSBA anmelden", "von CSBA abmelden", "CSBA abmelden", "CSBA kündigen",
        "Abmeldung von CSBA", "Anmeldung bei CSBA", "Teilnahme an CSBA", "Teilnahme am Programm",
        "SAFE-T", "SAFE-T-Antrag", "SAFE-T Antrag", "Erstattung durch Amazon",
        "von Amazon erstattet", "Amazon hat erstattet", "Amazon hat dem Kunden erstattet",
        "von Amazon * erstattet", "Amazon hat * erstattet",
        "mein Verkäuferkonto", "Verkäuferkonto", "Seller Central", "Kontakte pro Einheit",
        "Probezeitraum", "kostenlose Testphase",
    ),
    "fr": (
        "frais CSBA", "frais du service client", "service client géré par Amazon",
        "inscription au service", "désinscription", "désinscrire", "me désinscrire",
        "réclamation SAFE-T", "demande SAFE-T", "SAFE-T", "remboursement par Amazon",
        "remboursé par Amazon", "Amazon a remboursé", "mon compte vendeur", "compte vendeur",
        "remboursé * par Amazon", "Amazon a * remboursé",
        "Seller Central", "contacts par unité", "période d'essai",
    ),
    "en": (
        "CSBA fee", "CSBA fees", "CSBA charges", "CSBA invoice", "Customer Service by Amazon",
        "enrollment", "enrolment", "enroll", "enrol", "unenroll", "opt out of CSBA",
        "opt-out of CSBA", "opt out of the program", "leave the program", "SAFE-T",
        "SAFE-T claim", "refund granted by Amazon", "refunded by Amazon", "Amazon refunded",
        "refunded * by Amazon", "refund * by Amazon", "Amazon * refunded the customer",
        "my seller account", "seller account", "Seller Central", "contacts per unit",
        "free trial",
    ),
    "zh": (
        "CSBA费用", "CSBA收费", "CSBA服务费", "服务费用", "注册CSBA", "CSBA注册", "加入CSBA",
        "退出CSBA", "取消注册", "亚马逊客户服务", "SAFE-T", "SAFE-T索赔", "亚马逊退款",
        "亚马逊已退款", "我的账户", "我的帐户", "我的账号", "卖家账户", "卖家帐户", "卖家平台",
        "免费试用",
    ),
    "it": (
        "commissioni CSBA", "tariffe CSBA", "costi CSBA", "disiscrizione", "SAFE-T",
        "reclamo SAFE-T", "rimborso da Amazon", "rimborsato da Amazon", "account venditore",
        "Seller Central",
    ),
    "es": (
        "tarifas CSBA", "comisiones CSBA", "costes CSBA", "darse de baja de CSBA", "SAFE-T",
        "reclamación SAFE-T", "reembolso de Amazon", "reembolsado por Amazon",
        "cuenta de vendedor", "Seller Central",
    ),
    "nl": (
        "CSBA-kosten", "kosten CSBA", "uitschrijven", "SAFE-T", "SAFE-T-claim",
        "terugbetaling door Amazon", "verkopersaccount", "Seller Central",
    ),
    "pl": (
        "opłaty CSBA", "opłata CSBA", "rezygnacja z CSBA", "SAFE-T", "roszczenie SAFE-T",
        "zwrot od Amazon", "zwrot przez Amazon", "konto sprzedawcy", "Seller Central",
    ),
}

# Signs of an earlier purchase ("I ordered", "my parcel", "a refund").
# Used only where no order was found, to tell a post-sale inquiry without
# an id (held for a person) from a question about a product (pre-sale).
POST_SALE: dict[str, tuple[str, ...]] = {
    "de": (
        "bestellt", "habe bestellt", "gekauft", "meine Bestellung", "meiner Bestellung",
        "Bestellnummer", "geliefert", "nicht erhalten", "habe * erhalten", "erhalten habe",
        "nicht bekommen", "habe * bekommen", "bekommen habe",
        "angekommen", "Paket", "Päckchen", "Sendung", "Sendungsnummer", "Sendungsverfolgung",
        "zurückschicken", "zurücksenden", "Rücksendung", "Retoure", "Erstattung",
        "erstatten", "Rückerstattung", "Geld zurück", "umtauschen", "Umtausch", "defekt",
        "kaputt", "beschädigt", "funktioniert nicht", "stornieren", "Stornierung",
        "falscher Artikel", "falsche Farbe", "fehlt", "Reklamation", "wo bleibt", "noch nicht da",
        "nicht angekommen", "zurückgeschickt", "zurückgesendet", "Gutschrift", "Ersatzlieferung",
        "Garantiefall", "storniert", "Paketdienst", "Zusteller", "warte seit", "warte noch",
        "warte immer noch",
        "warten seit", "geht nicht mehr", "funktioniert nicht mehr", "geht kaputt",
        "ging kaputt", "ist kaputt", "nicht mehr an",
    ),
    "fr": (
        "commandé", "j'ai commandé", "acheté", "ma commande", "la commande",
        "numéro de commande", "livré", "reçu", "colis", "numéro de suivi", "retourner",
        "renvoyer", "remboursement", "rembourser", "échanger",
        "défectueux", "cassé", "endommagé", "ne fonctionne pas", "annuler", "annulation",
        "manquant", "pas arrivé", "où est ma", "où est mon", "toujours pas reçu", "renvoyé",
        "retourné", "pas encore reçu", "remplacement", "j'attends", "nous attendons",
        "ne marche plus",
        "ne fonctionne plus", "ne s'allume plus", "est tombé en panne",
    ),
    "en": (
        "ordered", "I bought", "purchased", "my order", "the order", "order number",
        "delivered", "received", "arrived", "parcel", "package", "tracking number",
        "my shipment", "returned", "refund", "replacement", "defective",
        "broken", "damaged", "does not work", "doesn't work", "not working", "cancel",
        "cancellation", "missing", "wrong item", "wrong size", "wrong colour", "wrong color",
        "where is my",
        "where's my", "hasn't arrived", "has not arrived", "never arrived", "sent * back",
        "money back", "got the wrong", "I got",
        "I received", "came today", "was delivered", "waiting for my", "waiting on my",
        "still waiting", "stopped working", "no longer works", "doesn't turn on",
        "won't turn on", "stopped", "turn up",
    ),
    "zh": (
        "已下单", "下了单", "买了", "已购买", "购买了", "我的订单", "订单号", "订单", "收到",
        "到货", "包裹", "退货", "退款", "换货", "坏了", "损坏",
        "破损", "不能用", "取消", "少了", "發貨", "訂單", "退貨", "没收到", "没有收到", "寄回",
        "退回", "已经发货", "快递单号", "物流单号", "质量问题", "等了", "还没到", "不亮了",
        "坏掉", "不工作", "用不了",
    ),
    "it": (
        "ordinato", "ho ordinato", "acquistato", "ho comprato", "il mio ordine", "l'ordine",
        "numero d'ordine", "numero ordine", "consegnato", "ricevuto", "arrivato",
        "pacco", "tracciamento", "restituire", "rimborso",
        "sostituzione", "difettoso", "rotto", "danneggiato", "non funziona", "annullare",
        "mancante", "dov'è il mio", "non è arrivato", "non è ancora arrivato", "restituito",
        "rispedito", "mi è arrivato", "ho ricevuto", "sto aspettando", "sto ancora aspettando",
        "aspetto ancora", "non si accende", "ha smesso di funzionare", "non funziona più",
    ),
    "es": (
        "pedido", "he pedido", "compré", "he comprado", "mi pedido", "el pedido",
        "número de pedido", "entregado", "recibido", "recibí", "llegado", "llegó",
        "paquete", "seguimiento", "devolver", "reembolso",
        "defectuoso", "roto", "dañado", "no funciona", "cancelar", "falta", "dónde está mi",
        "no ha llegado", "no me ha llegado", "devuelto", "me llegó", "sigo esperando",
        "estoy esperando", "no enciende", "dejó de funcionar", "ya no funciona",
    ),
    "nl": (
        "besteld", "gekocht", "mijn bestelling", "de bestelling", "bestelnummer",
        "geleverd", "ontvangen", "aangekomen", "pakket",
        "track and trace", "retour", "retourneren", "terugsturen", "terugbetaling",
        "geld terug", "omruilen", "defect", "kapot", "beschadigd", "werkt niet",
        "annuleren", "ontbreekt", "waar blijft", "nooit aangekomen", "niet aangekomen",
        "teruggestuurd", "heb * ontvangen", "wacht nog", "wacht al", "ik wacht",
        "doet het niet meer",
        "werkt niet meer", "gaat niet meer aan",
    ),
    "pl": (
        "zamówiłem", "zamówiłam", "kupiłem", "kupiłam", "moje zamówienie", "zamówienie",
        "zamówienia", "numer zamówienia", "dostarczono", "otrzymałem",
        "otrzymałam", "doszła", "doszło", "paczka", "paczki", "przesyłka", "przesyłki",
        "zwrot", "zwrócić", "zwrotu", "wymiana", "wadliwy", "zepsuty", "uszkodzony",
        "uszkodzona", "nie działa", "anulować", "brakuje", "gdzie jest moja", "gdzie jest moje",
        "nie doszła", "nie dotarła", "odesłałem", "odesłałam", "czekam na", "nadal czekam",
        "przestał działać", "przestała działać", "nie włącza się",
        "reklamacja",
    ),
}

# Questions about a product: what a shopper asks before buying.  Counted
# as pre-sale only with no order id and no sign of a purchase (POST_SALE).
PRODUCT_QUESTION: dict[str, tuple[str, ...]] = {
    "de": (
        "lieferbar", "verfügbar", "auf Lager", "vorrätig", "kompatibel", "passt das",
        "passt der", "passt die", "passend für", "geeignet für", "Lieferzeit",
        "wie lange dauert die Lieferung", "Maße", "Abmessungen", "welche Größe",
        "gibt es den", "gibt es die", "gibt es das", "in einer anderen Farbe", "Rabatt",
        "Preisnachlass", "günstiger", "Angebot", "liefern Sie nach", "versenden Sie nach",
        "kann man", "funktioniert das mit", "funktioniert der mit", "funktioniert die mit",
        "wie groß ist", "wie hoch ist", "wie lang ist", "wie breit ist", "wie schwer ist",
        "aus welchem Material", "dimmbar", "wasserdicht", "gibt's",
    ),
    "fr": (
        "disponible", "en stock", "compatible", "convient", "adapté à", "délai de livraison",
        "dimensions", "quelle taille", "existe-t-il", "existe-il", "existe en",
        "dans une autre couleur", "réduction", "remise", "moins cher",
        "livrez-vous", "expédiez-vous", "est-ce que ce produit", "ce produit",
        "fonctionne avec", "quelle est la hauteur", "quelle est la taille",
        "quelle est la longueur",
        "quel est le poids", "en quelle matière", "étanche", "dimmable",
    ),
    "en": (
        "available", "in stock", "compatible", "will it fit", "does it fit", "does this fit",
        "suitable for", "delivery time", "how long does shipping take", "dimensions",
        "what size", "do you have", "do you sell", "in another colour", "in another color",
        "discount", "cheaper", "do you ship to", "do you deliver to", "does it work with",
        "does this work with", "will this work with", "this item", "this product",
        "how big is", "how tall is", "how long is", "how heavy is", "what are the dimensions",
        "what is the wattage", "what's the wattage", "what material", "waterproof",
        "can I dim", "dimmable", "can it be used",
    ),
    "zh": (
        "有货", "现货", "库存", "兼容", "适合", "适用", "尺寸", "多大", "多高", "多长", "有没有",
        "能不能", "防水", "可以调光",
        "可以用", "什么时候有货", "优惠", "折扣", "便宜", "发货到", "能寄到", "这款", "这个产品",
    ),
    "it": (
        "disponibile", "in magazzino", "compatibile", "adatto", "tempi di consegna",
        "dimensioni", "che taglia", "avete", "in un altro colore", "sconto",
        "spedite in", "questo prodotto", "questo articolo", "funziona con", "quanto è alto",
        "quanto è alta", "quanto è grande", "quanto pesa", "impermeabile",
    ),
    "es": (
        "disponible", "en stock", "compatible", "sirve para", "plazo de entrega",
        "dimensiones", "qué talla", "tienen", "en otro color", "descuento", "más barato",
        "envían a", "este producto", "este artículo", "funciona con", "cuánto mide",
        "cuánto pesa", "qué tamaño", "impermeable",
    ),
    "nl": (
        "beschikbaar", "op voorraad", "leverbaar", "compatibel", "geschikt voor",
        "levertijd", "afmetingen", "welke maat", "hebben jullie", "in een andere kleur",
        "korting", "goedkoper", "leveren jullie", "dit product", "dit artikel",
        "werkt het met", "hoe hoog is", "hoe groot is", "hoe lang is", "hoe zwaar is",
        "waterdicht", "dimbaar",
    ),
    "pl": (
        "dostępny", "dostępna", "dostępne", "na stanie", "w magazynie", "kompatybilny",
        "pasuje do", "czy pasuje", "nadaje się", "czas dostawy", "wymiary", "jaki rozmiar",
        "czy macie", "w innym kolorze", "rabat", "zniżka", "taniej", "wysyłacie do",
        "ten produkt", "ten artykuł", "działa z", "jaka jest wysokość", "jaki jest rozmiar",
        "ile waży", "jakie są wymiary", "wodoodporny",
    ),
}

# Built-in words of the help page's two rule categories, for the languages
# an admin's `invoice`/`customization` rule does not list (see rules.py).
RULE_VOCABULARY: dict[str, dict[str, tuple[str, ...]]] = {
    "invoice": {
        "de": ("Rechnung", "Rechnungskopie", "Umsatzsteuer", "MwSt", "Quittung"),
        "fr": ("facture", "facturation", "TVA"),
        "en": ("invoice", "VAT receipt", "VAT invoice", "receipt"),
        "zh": ("发票", "發票", "收据"),
        "it": ("fattura", "fatturazione", "ricevuta fiscale", "IVA"),
        "es": ("factura", "facturación", "IVA"),
        "nl": ("factuur", "btw-factuur", "BTW", "kwitantie"),
        "pl": ("faktura", "faktury", "fakturę", "fakturą", "faktura VAT", "paragon"),
    },
    "customization": {
        "de": ("Gravur", "Personalisierung", "personalisiert", "individualisiert"),
        "fr": ("gravure", "personnalisation", "personnalisé", "personnalisée"),
        "en": ("engraving", "personalization", "personalisation", "personalised",
               "personalized", "customization", "customisation", "custom text"),
        "zh": ("定制", "刻字", "个性化", "訂製"),
        "it": ("incisione", "personalizzazione", "personalizzato", "personalizzata"),
        "es": ("grabado", "personalización", "personalizado", "personalizada"),
        "nl": ("gravure", "graveren", "personalisatie", "gepersonaliseerd"),
        "pl": ("grawer", "grawerunek", "grawerem", "personalizacja", "personalizacji",
               "spersonalizowany", "spersonalizowana"),
    },
}
