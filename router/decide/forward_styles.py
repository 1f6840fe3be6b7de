"""The forward styles of common mail clients, as data.

Adding a client or a language is an entry here, not code: separator
phrases per client (the line a client writes above the forwarded
message), header labels per field (the "Von:"/"De :" block below it), and
the subject prefixes that mark a forward.  `unwrap` compiles these once.

Sources: what Outlook, Gmail, Apple Mail, Thunderbird, Yahoo, Foxmail/QQ
and NetEase write in the marketplaces' languages, checked against public
parsers' fixtures (email-forward-parser, talon, quotequail).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeparatorStyle:
    """A client's separator line: `phrases` between runs of dashes.

    `min_dashes`/`max_dashes` bound the dash run on the left: clients
    differ mainly there (Gmail 10, Thunderbird 8, Outlook and Yahoo 5).
    `forward_only` says the line never introduces a reply quote, so a
    nested layer behind it is a forward whatever its subject says.
    `inline_headers`: the header fields may follow on the same line
    (Yahoo's HTML flattened to text).
    """

    style: str
    phrases: tuple[str, ...]
    min_dashes: int
    max_dashes: int
    forward_only: bool
    inline_headers: bool = False


FORWARD_PHRASES: tuple[str, ...] = (
    "Forwarded message",
    "Forwarded Message",
    "Weitergeleitete Nachricht",
    "Message transféré",
    "Message transmis",
    "Messaggio inoltrato",
    "Mensaje reenviado",
    "Mensagem encaminhada",
    "Mensagem reencaminhada",
    "Doorgestuurd bericht",
    "Doorgestuurd e-mailbericht",
    "Przekazana wiadomość",
    "Vidarebefordrat meddelande",
    "Videresendt meddelelse",
    "Videresendt melding",
    "İletilen mesaj",
    "Iletilen mesaj",
    "Välitetty viesti",
    "Přeposlaná zpráva",
    "Пересылаемое сообщение",
    "Пересланное сообщение",
    "转发的邮件",
    "已转发邮件",
    "转发的消息",
    "轉寄的郵件",
    "転送メッセージ",
)

ORIGINAL_PHRASES: tuple[str, ...] = (
    "Original Message",
    "Ursprüngliche Nachricht",
    "Originalnachricht",
    "Message d'origine",
    "Message d’origine",
    "Messaggio originale",
    "Mensaje original",
    "Mensagem original",
    "Oorspronkelijk bericht",
    "Oryginalna wiadomość",
    "Wiadomość oryginalna",
    "Originalmeddelande",
    "Ursprungligt meddelande",
    "Oprindelig meddelelse",
    "Opprinnelig melding",
    "Orijinal ileti",
    "Özgün ileti",
    "Alkuperäinen viesti",
    "Původní zpráva",
    "Исходное сообщение",
    "原始邮件",
    "邮件原件",
    "原始郵件",
    "元のメッセージ",
)

SEPARATORS: tuple[SeparatorStyle, ...] = (
    SeparatorStyle("netease", ("转发邮件信息", "转发的原邮件", "轉發郵件信息"), 2, 20, True),
    SeparatorStyle("foxmail", ("原始邮件", "原始郵件", "Original"), 10, 30, False),
    SeparatorStyle("gmail", FORWARD_PHRASES, 9, 12, True),
    SeparatorStyle("thunderbird", FORWARD_PHRASES, 6, 8, True),
    SeparatorStyle("thunderbird", ORIGINAL_PHRASES, 6, 8, False),
    SeparatorStyle("yahoo", FORWARD_PHRASES, 2, 5, True, inline_headers=True),
    SeparatorStyle("outlook", ORIGINAL_PHRASES, 2, 5, False),
)

# Apple Mail and iOS: a sentence ending in a colon, no dashes.
APPLE_PHRASES: tuple[str, ...] = (
    "Begin forwarded message",
    "Anfang der weitergeleiteten Nachricht",
    "Début du message réexpédié",
    "Début du message transféré",
    "Inizio messaggio inoltrato",
    "Inicio del mensaje reenviado",
    "Begin doorgestuurd bericht",
    "Początek przekazywanej wiadomości",
    "Início da mensagem reencaminhada",
    "Início da mensagem encaminhada",
    "Vidarebefordrat brev",
    "Videresendt besked",
    "Videresendt melding",
    "İleti başlangıcı",
    "Välitetty viesti alkaa",
    "Začátek přeposlané zprávy",
    "Начало переадресованного сообщения",
    "以下是转发的邮件",
    "转发的邮件",
    "以下為轉寄的郵件",
    "転送されたメッセージ",
)

# Outlook's bare rule above a header block; too common alone (signatures),
# so it counts only where a header block follows.
UNDERSCORE_MIN = 20

HEADER_LABELS: dict[str, tuple[str, ...]] = {
    "from": (
        "From", "Von", "De", "Da", "Van", "Od", "Från", "Fra", "Kimden", "Lähettäjä",
        "Feladó", "От кого", "От", "发件人", "寄件者", "寄件人", "發件人", "差出人", "Sender",
    ),
    "date": (
        "Date", "Sent", "Datum", "Gesendet", "Envoyé", "Envoyé le", "Data", "Inviato",
        "Enviado", "Enviado el", "Fecha", "Verzonden", "Wysłane", "Wysłano", "Skickat",
        "Sendt", "Tarih", "Gönderildi", "Gönderilme tarihi", "Lähetetty", "Päivämäärä",
        "Odesláno", "Dátum", "Дата", "Отправлено", "发送时间", "发送日期", "日期", "时间",
        "時間", "寄件日期", "傳送時間", "日付", "送信日時",
    ),
    "to": (
        "To", "An", "À", "A", "Pour", "Para", "Aan", "Do", "Till", "Til", "Kime",
        "Vastaanottaja", "Komu", "Címzett", "Кому", "收件人", "收件者", "宛先",
    ),
    "cc": (
        "Cc", "Kopie (CC)", "Kopie", "Copie à", "Copie", "Copia", "Kopia", "Kopio", "Kopi",
        "Bilgi", "Másolat", "Копия", "抄送", "抄送人", "副本", "副本(CC)",
    ),
    "subject": (
        "Subject", "Betreff", "Objet", "Sujet", "Oggetto", "Asunto", "Assunto", "Onderwerp",
        "Temat", "Ämne", "Emne", "Konu", "Aihe", "Předmět", "Tárgy", "Тема", "主题", "主旨",
        "主題", "件名",
    ),
    "reply_to": (
        "Reply-To", "Reply To", "Antwort an", "Répondre à", "Rispondi a", "Responder a",
        "Antwoord aan", "Odpowiedź do", "回复至",
    ),
}

# "On <date>, <name> wrote:" - the reply attribution Outlook for Mac and
# many mobile clients also write above a forward.
ATTRIBUTION_LEADS: tuple[str, ...] = (
    "On", "Am", "Le", "El", "Il", "Op", "Em", "W dniu", "Den", "På", "於", "在",
)
ATTRIBUTION_VERBS: tuple[str, ...] = (
    "wrote", "schrieb", "a écrit", "escribió", "ha scritto", "schreef", "escreveu",
    "napisał", "napisała", "skrev", "yazdı", "kirjoitti", "写道", "寫道",
)

# Subject prefixes: forwards, and replies (kept apart: a layer whose own
# subject is a reply is the customer's thread, not a further forward).
FORWARD_PREFIXES: tuple[str, ...] = (
    "Fwd", "Fw", "WG", "TR", "RV", "ENC", "I", "Doorst", "VS", "VB", "PD", "Iletilen",
    "Rif", "转发", "轉寄", "转寄", "転送", "FWD",
)
REPLY_PREFIXES: tuple[str, ...] = (
    "Re", "AW", "RE", "SV", "Antw", "Odp", "YNT", "R", "RES", "回复", "答复", "回覆",
)

# Headers a mail server adds when it forwards or redirects a message
# unchanged (Sieve/procmail redirect, Gmail and Exchange forwarding rules).
AUTO_FORWARD_HEADERS: tuple[str, ...] = (
    "Resent-From",
    "Resent-Sender",
    "Resent-To",
    "Resent-Date",
    "Resent-Message-ID",
    "X-Forwarded-For",
    "X-Forwarded-To",
    "X-MS-Exchange-Inbox-Rules-Loop",
    "X-MS-Exchange-Organization-AutoForwarded",
)
