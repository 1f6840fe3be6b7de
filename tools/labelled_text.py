"""Text fragments for the labelled set: what customers and sellers write.

Hand-written per language and combined at random by make_labelled_set.py,
so no two messages share every sentence.  `{oid}` is an order id,
`{product}` a product name, `{date}` a purchase date in words.
"""

from __future__ import annotations

GREETINGS: dict[str, list[str]] = {
    "de": ["Hallo,", "Guten Tag,", "Sehr geehrte Damen und Herren,", "Hallo zusammen,",
           "Moin,", "Hallo liebes Team,"],
    "fr": ["Bonjour,", "Bonjour Madame, Monsieur,", "Bonsoir,", "Madame, Monsieur,",
           "Bonjour à toute l'équipe,"],
    "en": ["Hi,", "Hello,", "Dear Sir or Madam,", "Hi there,", "Good morning,", "Hello team,"],
    "zh": ["您好，", "你好！", "客服您好：", "老板你好，"],
    "it": ["Buongiorno,", "Salve,", "Gentile venditore,", "Buonasera,"],
    "es": ["Hola,", "Buenos días,", "Estimados señores:", "Buenas tardes,"],
    "nl": ["Hallo,", "Beste verkoper,", "Goedendag,", "Geachte heer/mevrouw,"],
    "pl": ["Dzień dobry,", "Witam,", "Szanowni Państwo,", "Cześć,"],
}

CLOSINGS: dict[str, list[str]] = {
    "de": ["Mit freundlichen Grüßen", "Viele Grüße", "LG", "Danke und Gruß", "Beste Grüße"],
    "fr": ["Cordialement,", "Bien à vous,", "Merci d'avance,", "Bonne journée,"],
    "en": ["Kind regards,", "Thanks,", "Best,", "Regards,", "Thank you in advance,", "Cheers,"],
    "zh": ["谢谢！", "麻烦了，谢谢", "期待您的回复。", "祝好"],
    "it": ["Cordiali saluti,", "Grazie mille,", "Saluti,", "Distinti saluti,"],
    "es": ["Saludos,", "Un saludo,", "Gracias de antemano,", "Atentamente,"],
    "nl": ["Met vriendelijke groet,", "Groetjes,", "Alvast bedankt,", "Mvg,"],
    "pl": ["Pozdrawiam,", "Z poważaniem,", "Dziękuję i pozdrawiam,", "Serdecznie pozdrawiam,"],
}

CUSTOMERS: dict[str, list[tuple[str, str]]] = {
    "de": [("Erika Kundin", "erika.kundin@web.de"), ("Jonas Becker", "j.becker@gmx.de"),
           ("Sabine Wolf", "sabine.wolf@t-online.de"), ("Thomas Müller", "tmueller74@gmail.com"),
           ("Anna Schröder", "anna.schroeder@posteo.de")],
    "fr": [("Camille Martin", "camille.martin@orange.fr"), ("Lucas Bernard", "lucas.b@free.fr"),
           ("Chloé Dubois", "chloe.dubois@gmail.com"), ("Hélène Roux", "helene.roux@laposte.net")],
    "en": [("James Wilson", "jwilson@gmail.com"), ("Emma Clarke", "emma.clarke@outlook.com"),
           ("Oliver Smith", "oliver.smith@btinternet.com"), ("Grace Taylor",
           "gtaylor@yahoo.co.uk")],
    "zh": [("王芳", "wangfang88@qq.com"), ("李明", "liming2019@163.com"),
           ("张伟", "zhangwei@126.com")],
    "it": [("Giulia Rossi", "giulia.rossi@libero.it"), ("Marco Bianchi", "marco.bianchi@gmail.com"),
           ("Francesca Romano", "f.romano@virgilio.it")],
    "es": [("Lucía García", "lucia.garcia@hotmail.es"), ("Javier López", "jlopez@gmail.com"),
           ("Carmen Sánchez", "carmen.sanchez@telefonica.net")],
    "nl": [("Daan de Vries", "daan.devries@ziggo.nl"), ("Sanne Jansen", "sanne.jansen@kpnmail.nl"),
           ("Pieter Bakker", "p.bakker@hotmail.nl")],
    "pl": [("Katarzyna Nowak", "k.nowak@wp.pl"), ("Piotr Wiśniewski", "piotr.wisniewski@onet.pl"),
           ("Anna Kowalczyk", "anna.kowalczyk@o2.pl")],
}

PRODUCTS: dict[str, list[str]] = {
    "de": ["die LED-Stehlampe", "das USB-C Ladegerät 65W", "den Bluetooth-Lautsprecher",
           "die Kaffeemühle", "das Gartenschlauch-Set", "die Tischdecke"],
    "fr": ["la lampe de bureau LED", "le chargeur USB-C", "l'enceinte Bluetooth",
           "le moulin à café", "la guirlande lumineuse"],
    "en": ["the LED desk lamp", "the USB-C charger", "the Bluetooth speaker", "the coffee grinder",
           "the string lights", "the phone case"],
    "zh": ["LED台灯", "充电器", "蓝牙音箱", "咖啡磨豆机"],
    "it": ["la lampada LED", "il caricatore USB-C", "l'altoparlante Bluetooth", "il macinacaffè"],
    "es": ["la lámpara LED", "el cargador USB-C", "el altavoz Bluetooth", "el molinillo de café"],
    "nl": ["de LED-lamp", "de USB-C oplader", "de Bluetooth-speaker", "de koffiemolen"],
    "pl": ["lampę LED", "ładowarkę USB-C", "głośnik Bluetooth", "młynek do kawy"],
}

# Post-sale problems; `{oid}` may be missing (then no id is written).
POST_SALE: dict[str, list[str]] = {
    "de": [
        "ich habe am {date} {product} bestellt (Bestellnummer {oid}), aber das Paket ist bis "
        "heute nicht angekommen.",
        "meine Bestellung {oid} ist leider beschädigt bei mir angekommen, das Glas ist "
        "gesprungen.",
        "Sie haben mir die falsche Farbe geschickt. Bestellt hatte ich schwarz, gekommen ist "
        "weiß. Bestellnr.: {oid}",
        "die Sendungsverfolgung zu {oid} zeigt seit sechs Tagen keinen Fortschritt mehr.",
        "ich möchte {product} aus der Bestellung {oid} zurückschicken. Wie geht das bei Ihnen?",
        "können Sie meine Bestellung {oid} noch stornieren? Ich habe mich leider vertan.",
        "{product} funktioniert nach zwei Wochen nicht mehr. Bestellung {oid}.",
        "in meinem Paket ({oid}) fehlt das Netzteil.",
    ],
    "fr": [
        "j'ai commandé {product} le {date} (commande n° {oid}) et je n'ai toujours rien reçu.",
        "ma commande {oid} est arrivée abîmée, le carton était complètement écrasé.",
        "le colis de la commande {oid} indique livré mais je n'ai rien dans ma boîte aux "
        "lettres.",
        "je souhaite retourner {product} (commande {oid}), il ne correspond pas à la "
        "description.",
        "{product} ne fonctionne plus après une semaine. Numéro de commande : {oid}",
        "pouvez-vous annuler ma commande {oid} ? Je me suis trompé de modèle.",
    ],
    "en": [
        "I ordered {product} on {date} (order {oid}) and it still hasn't arrived.",
        "my order {oid} arrived damaged - the box was crushed and the item is cracked.",
        "tracking for {oid} has said 'in transit' for over a week now. Any update?",
        "you sent me the wrong size. Order number {oid}. How do I exchange it?",
        "{product} stopped working after 10 days. Order {oid}. I'd like a replacement "
        "or a refund.",
        "could you cancel order {oid} please? I ordered it twice by mistake.",
        "the parcel for order {oid} was missing one of the two items.",
    ],
    "zh": [
        "我在{date}买的{product}（订单号{oid}）到现在还没有收到。",
        "订单{oid}的包裹收到时已经破损了，请问怎么处理？",
        "我的订单{oid}物流一直没有更新，麻烦帮我查一下。",
        "收到的{product}不能用，订单号：{oid}，我想退货退款。",
    ],
    "it": [
        "ho ordinato {product} il {date} (ordine {oid}) ma non è ancora arrivato.",
        "il pacco dell'ordine {oid} è arrivato danneggiato.",
        "vorrei restituire {product}, ordine n. {oid}. Come devo fare?",
        "il tracciamento dell'ordine {oid} non si aggiorna da una settimana.",
        "{product} non funziona. Numero ordine {oid}. Chiedo la sostituzione.",
    ],
    "es": [
        "pedí {product} el {date} (pedido {oid}) y todavía no ha llegado.",
        "el paquete del pedido {oid} llegó roto.",
        "quiero devolver {product} del pedido {oid}, no es lo que esperaba.",
        "el seguimiento del pedido {oid} no se actualiza desde hace días.",
        "{product} no funciona desde el primer día. Número de pedido: {oid}",
    ],
    "nl": [
        "ik heb op {date} {product} besteld (bestelling {oid}) maar het is nog steeds niet "
        "aangekomen.",
        "mijn bestelling {oid} is beschadigd aangekomen.",
        "ik wil {product} van bestelling {oid} graag retourneren. Hoe gaat dat?",
        "de track and trace van {oid} is al een week niet bijgewerkt.",
        "{product} werkt niet meer. Bestelnummer {oid}.",
    ],
    "pl": [
        "zamówiłem {product} {date} (zamówienie {oid}) i nadal nie doszło.",
        "paczka z zamówieniem {oid} przyszła uszkodzona.",
        "chciałabym zwrócić {product} z zamówienia {oid}. Jak to zrobić?",
        "śledzenie przesyłki {oid} nie zmienia się od tygodnia.",
        "{product} nie działa. Numer zamówienia: {oid}. Proszę o wymianę.",
    ],
}

# The same without any order id (an order the router cannot identify).
POST_SALE_NO_ID: dict[str, list[str]] = {
    "de": ["ich habe vor zwei Wochen {product} bei Ihnen bestellt und bis heute nichts "
           "erhalten. Die Bestellnummer habe ich leider nicht mehr.",
           "das Paket kam heute an, aber {product} ist kaputt. Was nun?"],
    "fr": ["j'ai commandé {product} il y a deux semaines et le colis n'est jamais arrivé.",
           "j'ai reçu {product} hier mais il est cassé. Que faire ?"],
    "en": ["I ordered {product} from you two weeks ago and nothing has arrived yet.",
           "the package came today but {product} is broken. What can you do?"],
    "zh": ["我两周前买的{product}还没收到，订单号找不到了。"],
    "it": ["ho ordinato {product} due settimane fa e non ho ricevuto niente."],
    "es": ["pedí {product} hace dos semanas y todavía no me ha llegado nada."],
    "nl": ["ik heb twee weken geleden {product} besteld en nog niets ontvangen."],
    "pl": ["zamówiłam {product} dwa tygodnie temu i paczka nadal nie doszła."],
}

REQUESTS: dict[str, list[str]] = {
    "de": ["Bitte um schnelle Rückmeldung.", "Was können Sie da machen?",
           "Ich hätte gerne Ersatz oder mein Geld zurück.", "Danke für Ihre Hilfe!", ""],
    "fr": ["Merci de me répondre rapidement.", "Que proposez-vous ?",
           "Je voudrais un remplacement ou un remboursement.", ""],
    "en": ["Please get back to me asap.", "What are my options?",
           "I'd appreciate a quick reply.", ""],
    "zh": ["请尽快回复。", "请问怎么解决？", ""],
    "it": ["Attendo una risposta.", "Cosa potete fare?", ""],
    "es": ["Espero su respuesta.", "¿Qué pueden hacer?", ""],
    "nl": ["Graag een snelle reactie.", "Wat kunnen jullie doen?", ""],
    "pl": ["Proszę o szybką odpowiedź.", "Co mogą Państwo zrobić?", ""],
}

# Questions before buying (no order id).
PRE_SALE: dict[str, list[str]] = {
    "de": ["gibt es {product} auch in Anthrazit? Dann würde ich gleich zwei Stück bestellen.",
           "bevor ich bestelle: passt {product} auch an ein MacBook Air von 2019?",
           "ist {product} noch lieferbar? Ich bräuchte es bis Freitag.",
           "liefern Sie auch in die Schweiz, und wie lange dauert das ungefähr?",
           "bekomme ich Mengenrabatt, wenn ich 10 Stück für unser Büro nehme?"],
    "fr": ["est-ce que {product} existe en noir ? Je voudrais en commander deux.",
           "avant de commander : {product} est-il compatible avec un iPhone 12 ?",
           "livrez-vous en Belgique ? Quel est le délai de livraison ?",
           "{product} est-il encore disponible ? J'en aurais besoin pour Noël."],
    "en": ["does {product} come in a warm white version? I'd like to order two if so.",
           "before I place my order: will {product} work with a 2019 MacBook Air?",
           "is the 3-pack in stock? I need it by Friday.",
           "can you ship to Switzerland, and how long does delivery usually take?",
           "do you offer a discount if I buy 10 pieces for our office?"],
    "zh": ["请问{product}还有货吗？我想买两个。", "这款{product}有没有黑色的？能便宜点吗？",
           "下单之前想问一下，能寄到瑞士吗？"],
    "it": ["{product} è disponibile anche in nero? Vorrei ordinarne due.",
           "prima di acquistare: {product} è compatibile con un iPhone 13?",
           "spedite anche in Svizzera? Quali sono i tempi di consegna?"],
    "es": ["¿{product} está disponible en color negro? Quisiera comprar dos.",
           "antes de comprar: ¿{product} es compatible con un Samsung S21?",
           "¿envían a Canarias? ¿Cuánto tarda la entrega?"],
    "nl": ["is {product} ook in het zwart verkrijgbaar? Dan bestel ik er twee.",
           "voordat ik bestel: is {product} geschikt voor een iPhone 14?",
           "leveren jullie ook in België? Wat is de levertijd?"],
    "pl": ["czy {product} jest dostępna w kolorze czarnym? Chciałabym kupić dwie sztuki.",
           "zanim zamówię: czy {product} pasuje do iPhone 13?",
           "czy wysyłacie do Czech? Jaki jest czas dostawy?"],
}

# Pre-orders: an order exists, the item is not released yet.
PRE_ORDER: dict[str, list[str]] = {
    "de": ["ich habe das neue Modell vorbestellt (Bestellung {oid}). Steht der "
           "Erscheinungstermin schon fest?",
           "zu meiner Vorbestellung {oid}: wird der Artikel wirklich am 1. Dezember "
           "ausgeliefert?"],
    "fr": ["j'ai précommandé la nouvelle version (commande {oid}). Quelle est la date de "
           "sortie exacte ?"],
    "en": ["I pre-ordered the 2027 edition (order {oid}). Is the release date still "
           "December 1st?", "quick question about my pre-order {oid} - will it ship on "
           "launch day?"],
    "zh": ["我预订了新款（订单{oid}），请问发售日期确定了吗？"],
    "it": ["ho fatto un preordine del nuovo modello (ordine {oid}). Quando esce?"],
    "es": ["hice una preventa del nuevo modelo (pedido {oid}). ¿Cuál es la fecha de "
           "lanzamiento?"],
    "nl": ["ik heb het nieuwe model voorbesteld (bestelling {oid}). Wat is de releasedatum?"],
    "pl": ["złożyłem zamówienie przedpremierowe (zamówienie {oid}). Kiedy data premiery?"],
}

INVOICE: dict[str, list[str]] = {
    "de": ["ich benötige für die Bestellung {oid} eine Rechnung mit ausgewiesener MwSt. für "
           "meine Firma.", "könnten Sie mir bitte eine Rechnungskopie zu {oid} schicken?"],
    "fr": ["pourriez-vous m'envoyer la facture de la commande {oid} ? J'en ai besoin pour "
           "ma société.", "il me faut une facture avec TVA pour {oid}."],
    "en": ["could you send me an invoice for order {oid}? I need it for my expenses.",
           "I need a VAT receipt for {oid}, please."],
    "zh": ["请给我开订单{oid}的发票，公司报销要用。"],
    "it": ["potreste inviarmi la fattura per l'ordine {oid}? Mi serve per la partita IVA."],
    "es": ["necesito la factura del pedido {oid} a nombre de mi empresa."],
    "nl": ["kunt u mij een factuur sturen voor bestelling {oid}? Graag met btw."],
    "pl": ["proszę o wystawienie faktury VAT do zamówienia {oid}."],
}

CUSTOMIZATION: dict[str, list[str]] = {
    "de": ["die Gravur auf dem Armband aus Bestellung {oid} ist falsch geschrieben: es sollte "
           "\"Lena\" heißen, nicht \"Lina\".", "kann ich die Personalisierung für {oid} "
           "noch ändern? Bitte \"Für Opa\" statt \"Für Oma\"."],
    "fr": ["la gravure sur le bracelet (commande {oid}) comporte une faute : \"Léa\" au lieu "
           "de \"Lea\"."],
    "en": ["the engraving on my order {oid} is wrong - it should read 'Happy 40th Sam'.",
           "can I still change the personalization text for {oid}?"],
    "zh": ["订单{oid}的刻字内容写错了，应该是“平安”。"],
    "it": ["l'incisione sul braccialetto dell'ordine {oid} è sbagliata."],
    "es": ["el grabado del pedido {oid} tiene un error, debería decir 'Ana'."],
    "nl": ["de gravure op de armband van bestelling {oid} klopt niet."],
    "pl": ["grawer na bransoletce z zamówienia {oid} ma błąd, powinno być 'Ola'."],
}

# Follow-up words from the customer on an open case.
FOLLOW_UP: dict[str, list[str]] = {
    "de": ["ich hatte gestern schon wegen {oid} geschrieben. Gibt es etwas Neues?",
           "Nachtrag zu {oid}: anbei noch ein Foto vom Schaden."],
    "fr": ["je reviens vers vous au sujet de la commande {oid}, toujours rien."],
    "en": ["following up on my message about {oid} - any news?",
           "just adding a photo of the damage for order {oid}."],
    "zh": ["关于订单{oid}，昨天联系过，有进展了吗？"],
    "it": ["vi ho già scritto ieri per l'ordine {oid}, ci sono novità?"],
    "es": ["les escribí ayer por el pedido {oid}, ¿alguna novedad?"],
    "nl": ["ik mailde gisteren al over {oid}, is er nieuws?"],
    "pl": ["pisałam wczoraj w sprawie zamówienia {oid}, czy są jakieś nowości?"],
}

SUBJECTS: dict[str, dict[str, list[str]]] = {
    "post": {
        "de": ["Wo bleibt meine Bestellung?", "Problem mit Bestellung {oid}", "Reklamation",
               "Bestellung {oid}", "Paket nicht angekommen", "Defekt"],
        "fr": ["Commande {oid}", "Colis non reçu", "Problème avec ma commande", "Retour"],
        "en": ["Order {oid}", "Where is my order?", "Damaged item", "Problem with my order",
               "Return request"],
        "zh": ["订单问题", "还没收到货", "订单{oid}"],
        "it": ["Ordine {oid}", "Pacco non arrivato", "Problema con l'ordine"],
        "es": ["Pedido {oid}", "Pedido no recibido", "Problema con mi pedido"],
        "nl": ["Bestelling {oid}", "Pakket niet ontvangen", "Probleem met bestelling"],
        "pl": ["Zamówienie {oid}", "Paczka nie doszła", "Problem z zamówieniem"],
    },
    "pre": {
        "de": ["Frage zum Artikel", "Verfügbarkeit?", "Kurze Frage"],
        "fr": ["Question sur un article", "Disponibilité", "Question"],
        "en": ["Question about an item", "Availability?", "Quick question"],
        "zh": ["咨询", "产品咨询"],
        "it": ["Domanda su un articolo", "Disponibilità"],
        "es": ["Pregunta sobre un artículo", "Consulta"],
        "nl": ["Vraag over een artikel", "Beschikbaarheid"],
        "pl": ["Pytanie o produkt", "Dostępność"],
    },
    "invoice": {
        "de": ["Rechnung", "Rechnung benötigt"], "fr": ["Facture"], "en": ["Invoice request"],
        "zh": ["发票"], "it": ["Fattura"], "es": ["Factura"], "nl": ["Factuur"],
        "pl": ["Faktura"],
    },
}

TYPOS: dict[str, list[tuple[str, str]]] = {
    "de": [("Bestellung", "Bestelung"), ("leider", "leidr"), ("angekommen", "angekomen"),
           ("Grüße", "Grüsse"), ("können", "koennen")],
    "fr": [("commande", "comande"), ("reçu", "recu"), ("toujours", "toujour")],
    "en": [("received", "recieved"), ("arrived", "arived"), ("order", "oder "),
           ("please", "pls")],
    "it": [("ordine", "ordne")], "es": [("pedido", "pedio")], "nl": [("bestelling", "bestelling")],
    "pl": [("zamówienie", "zamowienie")], "zh": [],
}

SIGNATURES: dict[str, list[str]] = {
    "de": ["Gesendet von meinem iPhone", "Von meinem Samsung Galaxy gesendet", ""],
    "fr": ["Envoyé de mon iPhone", ""],
    "en": ["Sent from my iPhone", "Sent from Outlook for Android", ""],
    "zh": ["发自我的iPhone", ""],
    "it": ["Inviato da iPhone", ""], "es": ["Enviado desde mi iPhone", ""],
    "nl": ["Verzonden vanaf mijn iPhone", ""], "pl": ["Wysłane z iPhone'a", ""],
}

# The seller's note above a forward, in the seller's language.
SELLER_NOTES: dict[str, list[str]] = {
    "de": ["Bitte übernehmen, danke.", "Hallo CSBA-Team,\nanbei eine Kundenanfrage zur "
           "Bearbeitung.\n\nGruß\nMax Muster", "Zur Info und Bearbeitung.",
           "Kunde wartet, bitte kümmern Sie sich darum.", ""],
    "fr": ["Merci de traiter cette demande.", "Bonjour,\nci-dessous un message client.\n\n"
           "Cordialement,\nÉquipe Lumière", "Pour traitement svp.", ""],
    "en": ["Please handle, thanks.", "Hi CSBA team,\nforwarding a customer message below.\n\n"
           "Thanks,\nRob", "FYI - customer query.", ""],
    "zh": ["请处理，谢谢。", "您好，转发客户邮件，请协助处理。", "麻烦处理一下这个客户的问题。",
           ""],
}

SELLER_NOTE_WITH_ID: dict[str, str] = {
    "de": "Bitte bearbeiten. Bestellnummer laut unserem System: {oid}",
    "fr": "Merci de traiter. Numéro de commande chez nous : {oid}",
    "en": "Please handle. The order number is {oid}.",
    "zh": "请处理，订单号：{oid}",
}

# The seller writing about its own account (no customer inside).
SELLER_QUESTIONS: dict[str, list[tuple[str, str]]] = {
    "de": [("Frage zu CSBA-Gebühren Oktober",
            "Hallo,\n\nin unserer Abrechnung für Oktober wurden 0,41 EUR pro Einheit als "
            "CSBA-Gebühren berechnet. Wir dachten, wir liegen in der günstigsten Stufe. Können "
            "Sie das prüfen?\n\nViele Grüße\nMusterhandel GmbH"),
           ("Teilnahme pausieren?",
            "Guten Tag,\nwie können wir die Teilnahme an CSBA für den Dezember pausieren? "
            "Wir machen Betriebsurlaub.\n\nDanke"),
           ("SAFE-T Antrag abgelehnt",
            "Hallo,\nunser SAFE-T-Antrag zur Bestellung {oid} wurde abgelehnt, obwohl der "
            "Kunde die Ware nie zurückgeschickt hat. An wen können wir uns wenden?\n\nGruß")],
    "fr": [("Réclamation SAFE-T",
            "Bonjour,\n\nnotre réclamation SAFE-T pour la commande {oid} a été refusée. "
            "Pouvez-vous nous expliquer pourquoi ?\n\nCordialement"),
           ("Désinscription",
            "Bonjour,\nnous souhaitons nous désinscrire du service client géré par Amazon à "
            "la fin du mois. Quelle est la démarche ?\n\nMerci")],
    "en": [("Opting out",
            "Hello,\n\nwe would like to opt out of CSBA at the end of this month. How do we "
            "do that in Seller Central?\n\nThanks,\nRob"),
           ("Refund by Amazon",
            "Hi,\nAmazon refunded the customer for order {oid} without contacting us first. "
            "Can we get reimbursed for that?\n\nBest regards"),
           ("CSBA fees question",
            "Hi team,\nour CSBA fees jumped from 0.09 to 1.09 per unit this month. Which "
            "contacts were counted?\n\nRegards")],
    "zh": [("关于CSBA费用",
           "您好，\n\n请问CSBA费用是怎么计算的？这个月的服务费用比上个月高很多。\n\n谢谢"),
           ("退出CSBA", "你好，我们想退出CSBA，请问需要在卖家平台怎么操作？\n谢谢")],
}


# Whole inquiries written one by one, in other words than the fragments
# above: (category, language, subject, text); `{oid}` gets an order id of
# the seller that fits the category.
HANDWRITTEN: list[tuple[str, str, str, str]] = [
    ("pre_sale", "de", "Anfrage",
     "Hallo, hätten Sie die Lampe auch mit E27-Fassung? Würde gerne 3 Stück nehmen. "
     "Gruß Petra"),
    ("pre_sale", "de", "Frage",
     "Guten Tag, wie lang ist das Kabel bei dem Ladegerät? Ich überlege, es zu kaufen."),
    ("pre_sale", "en", "Question",
     "Hey, is this speaker waterproof? Thinking about getting one for the pool."),
    ("pre_sale", "en", "Hi",
     "Hello, what's the wattage of the desk lamp? Can I dim it? Thanks"),
    ("pre_sale", "fr", "Renseignement",
     "Bonjour, cette lampe peut-elle fonctionner avec une ampoule LED 10W ? Merci de "
     "me renseigner avant mon achat."),
    ("pre_sale", "it", "Info",
     "Salve, il macinacaffè macina anche per espresso? Sarei interessato all'acquisto."),
    ("pre_sale", "es", "Consulta",
     "Hola, ¿el cargador sirve para portátil Lenovo? Estoy pensando en comprarlo."),
    ("pre_sale", "nl", "Vraag",
     "Hoi, hoe lang is de garantie op de speaker? Ik twijfel nog of ik hem bestel."),
    ("pre_sale", "pl", "Pytanie",
     "Dzień dobry, czy ta lampa ma funkcję ściemniania? Zastanawiam się nad zakupem."),
    ("pre_sale", "zh", "咨询",
     "你好，这个台灯可以调光吗？我想给孩子买一个。"),
    ("pre_sale", "en", "Pre-order",
     "Hi, can I preorder the 2027 model already?"),
    ("post_sale_seller_fulfilled", "de", "Reklamation {oid}",
     "Servus, die Lampe flackert seit gestern, Bestellung {oid}. Bitte um Austausch."),
    ("post_sale_seller_fulfilled", "en", "{oid}",
     "Hiya - ordered a speaker ({oid}), got a toaster?? please sort this out"),
    ("post_sale_seller_fulfilled", "fr", "SAV",
     "Bonjour, le chargeur chauffe énormément, est-ce normal ? Commande {oid}."),
    ("post_sale_seller_fulfilled", "it", "Reclamo",
     "Buongiorno, manca il cavo nella confezione. Ordine {oid}. Grazie"),
    ("post_sale_seller_fulfilled", "es", "Problema",
     "Buenas, el altavoz no carga. Es el pedido {oid}. ¿Me mandan otro?"),
    ("post_sale_seller_fulfilled", "nl", "Klacht",
     "Goedemiddag, de koffiemolen maakt een raar geluid. Ordernummer {oid}."),
    ("post_sale_seller_fulfilled", "pl", "Reklamacja",
     "Witam, lampka przestała świecić po 3 dniach. Zamówienie nr {oid}."),
    ("post_sale_seller_fulfilled", "en", "Address",
     "Hi, can I still change the delivery address for {oid}? I'm moving on Friday."),
    ("post_sale_seller_fulfilled", "de", "Lieferzeit",
     "Hallo, wann wird meine Bestellung {oid} denn verschickt? Steht noch auf nicht "
     "versandt."),
    ("order_unknown", "de", "Paket",
     "Hallo, mein Paket ist immer noch nicht da!! Seit 2 Wochen warte ich schon."),
    ("order_unknown", "en", "Refund",
     "I sent the lamp back last week, when do I get my money back?"),
    ("order_unknown", "fr", "Retour",
     "Bonjour, j'ai renvoyé l'article il y a dix jours, toujours pas de remboursement."),
    ("order_unknown", "it", "Rimborso",
     "Ho restituito il prodotto, quando arriva il rimborso?"),
    ("order_unknown", "es", "Pedido",
     "Hola, el producto que me llegó está roto. ¿Qué hago?"),
    ("order_unknown", "nl", "Pakket",
     "Mijn pakket is nooit aangekomen, wat nu?"),
    ("order_unknown", "pl", "Zwrot",
     "Odesłałem towar tydzień temu, kiedy dostanę zwrot pieniędzy?"),
    ("invoice", "it", "Fattura",
     "Buongiorno, mi servirebbe la fattura intestata alla mia ditta per l'ordine "
     "{oid}."),
    ("invoice", "es", "Factura",
     "Hola, ¿me podrían enviar factura con IVA del pedido {oid}?"),
    ("invoice", "nl", "Factuur",
     "Hallo, ik heb een factuur nodig van bestelling {oid} voor mijn boekhouding."),
    ("invoice", "pl", "Faktura",
     "Proszę o fakturę na firmę do zamówienia {oid}. NIP 1234567890."),
    ("invoice", "en", "Receipt",
     "Hi, please email me a VAT invoice for {oid}, I need it for my tax return."),
    ("customization", "en", "Engraving",
     "Hi, the name engraved on the mug for {oid} is misspelt, it says Jon not John."),
    ("customization", "it", "Incisione",
     "Salve, si può cambiare il testo da incidere sul bracciale? Ordine {oid}."),
    ("customization", "es", "Grabado",
     "Hola, el texto grabado en el pedido {oid} está mal."),
    ("customization", "fr", "Personnalisation",
     "Bonjour, je voudrais modifier le prénom à graver pour la commande {oid}."),
    ("order_unknown", "de", "Lampe",
     "Hallo, ich warte seit 10 Tagen auf die Lampe. Können Sie mal nachsehen?"),
    ("order_unknown", "en", "Still waiting",
     "Hi, still waiting on my lamp, any idea when it'll turn up?"),
    ("order_unknown", "fr", "Attente",
     "Bonjour, j'attends toujours mon colis depuis 12 jours, pouvez-vous vérifier ?"),
    ("order_unknown", "it", "Attesa",
     "Buongiorno, sto ancora aspettando la lampada, potete controllare?"),
    ("order_unknown", "es", "Espera",
     "Hola, sigo esperando el cargador, ¿pueden revisarlo?"),
    ("order_unknown", "nl", "Wachten",
     "Hallo, ik wacht nog steeds op de oplader, kunnen jullie dat nakijken?"),
    ("order_unknown", "pl", "Czekam",
     "Dzień dobry, nadal czekam na ładowarkę, czy mogą Państwo sprawdzić?"),
    ("order_unknown", "de", "Kaputt",
     "Die Lampe geht nicht mehr an. Was soll ich tun?"),
    ("order_unknown", "en", "Broken",
     "The grinder stopped grinding after a week, what now?"),
    ("order_unknown", "zh", "问题",
     "灯不亮了，怎么办？"),
    ("pre_sale", "de", "Farbe",
     "Gibt's die Tischdecke auch in rund, 120 cm?"),
    ("pre_sale", "en", "Size",
     "What are the dimensions of the lamp base?"),
    ("pre_sale", "fr", "Taille",
     "Quelle est la hauteur de la lampe ?"),
    ("pre_sale", "it", "Misure",
     "Quanto è alta la lampada?"),
    ("pre_sale", "es", "Medidas",
     "¿Cuánto mide el altavoz?"),
    ("pre_sale", "nl", "Maat",
     "Hoe hoog is de lamp?"),
    ("pre_sale", "pl", "Wymiary",
     "Jaka jest wysokość lampy?"),
    ("pre_sale", "de", "Vorbestellung",
     "Kann man das neue Modell schon vorbestellen?"),
    ("post_sale_seller_fulfilled", "en", "Warranty {oid}",
     "Is the lamp from order {oid} still under warranty? It stopped working."),
    ("post_sale_seller_fulfilled", "de", "Frage",
     "Hallo, ist {oid} schon unterwegs? Ich brauche es bis Samstag."),
    ("post_sale_seller_fulfilled", "fr", "Question",
     "Est-ce que la commande {oid} est disponible en point relais ?"),
]
