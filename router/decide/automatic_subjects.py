"""The subjects auto-responders and bounce generators write (data of `automatic`).

`automatic.match_subject` compiles these tables once into one pattern.
"""

from __future__ import annotations

from dataclasses import dataclass

# Subjects written by auto-responders and bounce generators, one table per
# language.  Matching is case-insensitive on the whole subject, never inside
# a sentence, so "Re: Out of stock?" and "Frage zur automatischen
# Verlängerung" do not count.
#
# `prefixes` are what a responder puts before the original subject: they
# count only when followed by a colon (or "]" for "[Automatyczna odpowiedź]
# ...", or the end of the subject), because customers write "Delivery
# delayed - where is my parcel?" but no person starts a subject with
# "Unzustellbar:".  `fixed` are whole subjects that bounce generators write;
# they count at the start of the subject when no longer word follows.
# Adding a phrase or a language is data only.


@dataclass(frozen=True)
class SubjectTable:
    prefixes: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()


SUBJECTS: dict[str, SubjectTable] = {
    "en": SubjectTable(
        prefixes=(
            "Automatic reply",
            "Auto reply",
            "Auto-reply",
            "Autoreply",
            "Auto response",
            "Auto-response",
            "Autoresponse",
            "Automatic response",
            "Out of Office",
            "Out of Office AutoReply",
            "Out of the Office",
            "Out-of-office",
            "Vacation reply",
            "Undeliverable",
            "Undeliverable mail",
            "Undelivered mail",
            "Mail delivery failed",
            "Message delivery failure",
            "Returned mail",
            "Read",
        ),
        fixed=(
            "Delivery Status Notification",
            "Delivery Notification: Delivery has failed",
            "Undelivered Mail Returned to Sender",
            "Mail delivery failed: returning message to sender",
            "Returned mail: see transcript for details",
            "Mail System Error - Returned Mail",
            "Failure notice",
            "Nondeliverable mail",
            "Non-delivery report",
            "Warning: could not send message",
            "Message you sent blocked",
            "Email Feedback Report",
            "Auto-generated message",
        ),
    ),
    "de": SubjectTable(
        prefixes=(
            "Automatische Antwort",
            "Automatische Rückantwort",
            "Abwesenheitsnotiz",
            "Abwesenheitsmeldung",
            "Abwesend",
            "Unzustellbar",
            "Übermittlung verzögert",
            "Gelesen",
        ),
        fixed=(
            "Benachrichtigung zum Übermittlungsstatus",
            "Unzustellbare Nachricht",
            "Fehler bei der Nachrichtenzustellung",
            "Mail-Zustellung fehlgeschlagen",
        ),
    ),
    "fr": SubjectTable(
        prefixes=(
            "Réponse automatique",
            "Absence du bureau",
            "Absent du bureau",
            "Message d'absence",
            "Non remis",
            "Non distribuable",
            "Remise différée",
            "Lu",
        ),
        fixed=(
            "Notification d'état de remise",
            "Échec de la remise du message",
        ),
    ),
    "zh": SubjectTable(
        prefixes=(
            "自动回复",
            "自动答复",
            "自動回覆",
            "自動回復",
            "无法投递",
            "無法傳遞",
            "已读",
            "已讀",
        ),
        fixed=("系统退信", "邮件投递失败", "投递状态通知"),
    ),
    "it": SubjectTable(
        prefixes=(
            "Risposta automatica",
            "Fuori sede",
            "Fuori ufficio",
            "Non recapitabile",
            "Letto",
        ),
        fixed=("Notifica di mancato recapito", "Notifica stato consegna"),
    ),
    "es": SubjectTable(
        prefixes=(
            "Respuesta automática",
            "Fuera de la oficina",
            "No se puede entregar",
            "Leído",
        ),
        fixed=("Notificación de estado de entrega",),
    ),
    "nl": SubjectTable(
        prefixes=(
            "Automatisch antwoord",
            "Afwezig",
            "Afwezigheidsbericht",
            "Onbestelbaar",
            "Gelezen",
        ),
        fixed=("Bezorgingsstatusmelding",),
    ),
    "pl": SubjectTable(
        prefixes=(
            "Odpowiedź automatyczna",
            "Automatyczna odpowiedź",
            "Poza biurem",
            "Niedostarczalne",
            "Nie można dostarczyć",
            "Przeczytano",
        ),
        fixed=("Powiadomienie o stanie dostarczenia",),
    ),
    # Outside the eight supported languages: what the corpora showed.
    "lv": SubjectTable(prefixes=("Ārpus biroja atrašanās automātiskā atbilde",)),
    "ja": SubjectTable(prefixes=("自動応答", "自動返信"), fixed=("メールエラー通知",)),
}

# Phrases that count anywhere in the subject: Lotus Notes writes "<Name> is
# out of the office."; responders that keep the original subject append
# "(Automatic Response)" and the like.
SUBJECT_ANYWHERE: tuple[str, ...] = (
    "is out of the office",
    "ist außer haus",
    "est absent(e)",
    "(automatic response)",
    "(auto-reply)",
    "(autoreply)",
    "(auto response)",
)
