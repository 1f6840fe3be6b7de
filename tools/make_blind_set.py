"""Generator of the blind validation set (written from the product contract only).

Run:  .venv/bin/python tests/decide/blind/make_blind_set.py
It (re)writes config.yaml, orders-*.tsv, msgs/*.eml and labels.csv in this folder.
Everything is deterministic (fixed random seed).
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import email.utils
import html
import os
import quopri
import random
from email.header import Header

HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "decide", "blind")
R = random.Random(20261120)

DE2DE = "csba-de2de@amazon.de"
CN2DE = "csba-cn2de@amazon.de"

ACTIONS = {
    "post_sale_seller_fulfilled": "forward",
    "follow_up": "forward",
    "seller_question": "bounce",
    "pre_sale": "bounce",
    "amazon_fulfilled": "bounce",
    "invoice": "bounce",
    "customization": "bounce",
    "not_covered": "bounce",
    "order_unknown": "hold",
    "unknown_sender": "hold",
    "auto_generated": "drop",
}

# ---------------------------------------------------------------- helpers


def hx(n: int) -> str:
    return "".join(R.choice("0123456789abcdef") for _ in range(n))


def HX(n: int) -> str:
    return hx(n).upper()


def alnum(n: int, chars: str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") -> str:
    return "".join(R.choice(chars) for _ in range(n))


def T(s: str, off: float = 1) -> dt.datetime:
    """'2026-11-17 08:41:12' at UTC offset `off` hours."""
    return dt.datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=dt.timezone(dt.timedelta(hours=off)))


def rfcdate(t: dt.datetime) -> str:
    return email.utils.format_datetime(t)


def later(t: dt.datetime, seconds: int) -> dt.datetime:
    return t + dt.timedelta(seconds=seconds)


def ehdr(s: str, charset: str = "utf-8") -> str:
    if all(ord(c) < 128 for c in s):
        return s
    return Header(s, charset, maxlinelen=76).encode()


def addr(name: str | None, a: str, charset: str = "utf-8") -> str:
    if not name:
        return a
    return email.utils.formataddr((name, a), charset)


def encode_body(text: str, charset: str, cte: str) -> str:
    raw = text.encode(charset)
    if cte == "quoted-printable":
        return quopri.encodestring(raw).decode("ascii")
    if cte == "base64":
        b = base64.b64encode(raw).decode("ascii")
        return "\n".join(b[i:i + 76] for i in range(0, len(b), 76)) + "\n"
    if cte in ("7bit", "8bit"):
        if charset.lower() not in ("utf-8", "us-ascii"):
            raise ValueError("8bit only for utf-8 here")
        return text if text.endswith("\n") else text + "\n"
    raise ValueError(cte)


def leaf(text: str, subtype: str = "plain", charset: str = "utf-8", cte: str = "8bit",
         ct_extra: str = "", extra_headers: list[str] | None = None) -> str:
    hs = [f'Content-Type: text/{subtype}; charset="{charset}"{ct_extra}',
          f"Content-Transfer-Encoding: {cte}"] + (extra_headers or [])
    return "\n".join(hs) + "\n\n" + encode_body(text, charset, cte)


def multipart(subtype: str, parts: list[str], boundary: str | None = None,
              ct_extra: str = "", preamble: str = "") -> str:
    b = boundary or ("----=_NextPart_" + hx(3) + "_" + HX(4) + "_" + HX(8) + "." + HX(8))
    out = [f'Content-Type: multipart/{subtype};{ct_extra}\n\tboundary="{b}"', ""]
    if preamble:
        out.append(preamble)
    for p in parts:
        out.append(f"--{b}")
        out.append(p.rstrip("\n"))
        out.append("")
    out.append(f"--{b}--")
    return "\n".join(out) + "\n"


def rfc822_part(inner: str, filename: str | None = None) -> str:
    if filename and not filename.isascii():
        import urllib.parse
        hs = [f'Content-Type: message/rfc822; name="{ehdr(filename)}"',
              "Content-Disposition: attachment;\n filename*=utf-8''" + urllib.parse.quote(filename)]
    else:
        hs = ["Content-Type: message/rfc822" + (f'; name="{filename}"' if filename else ""),
              "Content-Disposition: attachment" + (f'; filename="{filename}"' if filename else "")]
    return "\n".join(hs) + "\n\n" + inner.rstrip("\n") + "\n"


def text_to_html(text: str) -> str:
    lines = [html.escape(l) if l.strip() else "<br>" for l in text.split("\n")]
    return ('<div dir="ltr">' + "\n".join(f"<div>{l}</div>" for l in lines) + "</div>\n")


def received(frm: str, ip: str, by: str, t: dt.datetime, for_: str | None = None,
             with_: str = "ESMTPS", helo: str | None = None, extra: str = "") -> str:
    f = f"\n\tfor <{for_}>" if for_ else ""
    h = helo or frm
    return (f"Received: from {h} ({frm} [{ip}])\n\tby {by} with {with_} id {alnum(12)}{extra}{f};"
            f"\n\t{rfcdate(t)}")


def amazon_in(t: dt.datetime, frm: str, ip: str, rcpt: str) -> str:
    return received(frm, ip, "mx-in-fra-1c.amazon.de (Postfix)", later(t, R.randint(2, 40)),
                    for_=rcpt, extra=" (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384)")


# sending infrastructure per domain: (host, ip)
INFRA = {
    "kaffeekontor-brenner.de": ("mail-ej1-f49.google.com", "209.85.218.49"),
    "atelier-lumiere.eu": ("mo552.mail-out.ovh.net", "46.105.72.38"),
    "hollowoak-outdoor.com": ("mail-wr1-f54.google.com", "209.85.221.54"),
    "jinhua-kitchen.cn": ("mail-m15581.qiye.163.com", "101.71.155.81"),
    "pearlriver-tech.com": ("mail-am6eur05on2112.outbound.protection.outlook.com", "40.107.22.112"),
    "pr-tech.com.cn": ("out30-131.freemail.mail.aliyun.com", "115.124.30.131"),
}


def msgid(kind: str, domain: str) -> str:
    if kind == "outlook":      # Outlook desktop over SMTP
        return f"<000001db{hx(4)}${hx(8)}${hx(8)}$@{domain}>"
    if kind == "exchange":
        return (f"<AM9PR0{R.randint(1, 8)}MB{R.randint(1000, 9999)}{HX(8)}{HX(8)}{HX(6)}@"
                f"AM9PR0{R.randint(1, 8)}MB{R.randint(1000, 9999)}.eurprd0{R.randint(1, 8)}.prod.outlook.com>")
    if kind == "gmail":
        return "<CA" + alnum(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-") + "@mail.gmail.com>"
    if kind == "apple":
        return f"<{HX(8)}-{HX(4)}-{HX(4)}-{HX(4)}-{HX(12)}@{domain}>"
    if kind == "thunderbird":
        return f"<{hx(8)}-{hx(4)}-{hx(4)}-{hx(4)}-{hx(12)}@{domain}>"
    if kind == "foxmail":
        return f"<2026111{R.randint(0, 9)}{R.randint(100000, 999999)}{R.randint(1000000, 9999999)}@{domain}>"
    if kind == "coremail":
        return f"<{hx(8)}.{hx(4)}.{hx(11)}.Coremail.{domain}>"
    if kind == "plain":
        return f"<{hx(16)}.{hx(8)}@{domain}>"
    raise ValueError(kind)


# ---------------------------------------------------------------- forward header blocks

DE_DAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
DE_MON = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember"]
DE_DAYS_S = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."]
DE_MON_S = ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."]
FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
FR_DAYS_S = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
FR_MON = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
FR_MON_S = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
            "nov.", "déc."]
EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
EN_MON = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
ZH_WD = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]


def h12(t: dt.datetime) -> str:
    h = t.hour % 12 or 12
    return f"{h}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


def fwd_header(style: str, name: str | None, a: str, to: str, t: dt.datetime, subject: str,
               cc: str | None = None) -> str:
    """The block a client writes above a forwarded message (plain-text form)."""
    who = f"{name} <{a}>" if name else a
    wd, mo = t.weekday(), t.month - 1
    if style == "outlook_de":
        s = (f"-----Ursprüngliche Nachricht-----\nVon: {who} \n"
             f"Gesendet: {DE_DAYS[wd]}, {t.day}. {DE_MON[mo]} {t.year} {t:%H:%M}\nAn: {to}\n")
        if cc:
            s += f"Cc: {cc}\n"
        return s + f"Betreff: {subject}\n"
    if style == "owa_de":
        return (f"________________________________\nVon: {who}\n"
                f"Gesendet: {DE_DAYS[wd]}, {t.day}. {DE_MON[mo]} {t.year} {t:%H:%M}\nAn: {to}\n"
                f"Betreff: {subject}\n")
    if style == "outlook_en":
        return (f"-----Original Message-----\nFrom: {who} \n"
                f"Sent: {EN_DAYS[wd]}, {EN_MON[mo]} {t.day}, {t.year} {h12(t)}\nTo: {to}\n"
                f"Subject: {subject}\n")
    if style == "owa_en":
        return (f"________________________________\nFrom: {who}\n"
                f"Sent: {EN_DAYS[wd]}, {EN_MON[mo]} {t.day}, {t.year} {h12(t)}\nTo: {to}\n"
                f"Subject: {subject}\n")
    if style == "outlook_fr":
        return (f"-----Message d'origine-----\nDe : {who} \n"
                f"Envoyé : {FR_DAYS[wd]} {t.day} {FR_MON[mo]} {t.year} {t:%H:%M}\nÀ : {to}\n"
                f"Objet : {subject}\n")
    if style == "gmail_en":
        return (f"---------- Forwarded message ---------\nFrom: {who}\n"
                f"Date: {EN_DAYS[wd][:3]}, {EN_MON[mo][:3]} {t.day}, {t.year} at {h12(t)}\n"
                f"Subject: {subject}\nTo: <{to}>\n")
    if style == "gmail_de":
        return (f"---------- Weitergeleitete Nachricht ---------\nVon: {who}\n"
                f"Date: {DE_DAYS_S[wd]}, {t.day}. {DE_MON_S[mo]} {t.year} um {t:%H:%M} Uhr\n"
                f"Subject: {subject}\nTo: <{to}>\n")
    if style == "gmail_fr":
        return (f"---------- Message transféré ---------\nDe : {who}\n"
                f"Date: {FR_DAYS_S[wd]} {t.day} {FR_MON_S[mo]} {t.year} à {t:%H:%M}\n"
                f"Subject: {subject}\nTo: <{to}>\n")
    if style == "apple_en":
        return (f"Begin forwarded message:\n\nFrom: {who}\nSubject: {subject}\n"
                f"Date: {t.day} {EN_MON[mo]} {t.year} at {t:%H:%M:%S} CET\nTo: {to}\n")
    if style == "apple_de":
        return (f"Anfang der weitergeleiteten Nachricht:\n\nVon: {who}\nBetreff: {subject}\n"
                f"Datum: {t.day}. {DE_MON[mo]} {t.year} um {t:%H:%M:%S} MEZ\nAn: {to}\n")
    if style == "tb_de":
        return (f"-------- Weitergeleitete Nachricht --------\nBetreff: \t{subject}\n"
                f"Datum: \t{t:%a, %d %b %Y %H:%M:%S %z}\nVon: \t{who}\nAn: \t{to}\n")
    if style == "tb_en":
        return (f"-------- Forwarded Message --------\nSubject: \t{subject}\n"
                f"Date: \t{t:%a, %d %b %Y %H:%M:%S %z}\nFrom: \t{who}\nTo: \t{to}\n")
    if style == "tb_fr":
        return (f"-------- Message transféré --------\nSujet : \t{subject}\n"
                f"Date : \t{t:%a, %d %b %Y %H:%M:%S %z}\nDe : \t{who}\nPour : \t{to}\n")
    if style == "foxmail":
        ampm = "上午" if t.hour < 12 else "下午"
        return ("------------------ 原始邮件 ------------------\n"
                f"发件人: \"{name or a}\"<{a}>;\n"
                f"发送时间: {t.year}年{t.month}月{t.day}日({ZH_WD[wd]}) {ampm}{t.hour % 12 or 12}:{t.minute:02d}\n"
                f"收件人: \"{to.split('@')[0]}\"<{to}>;\n\n主题: {subject}\n")
    if style == "foxmail_en":
        return ("------------------ Original ------------------\n"
                f"From:  \"{name or a}\"<{a}>;\n"
                f"Date:  {EN_DAYS[wd][:3]}, {EN_MON[mo][:3]} {t.day}, {t.year} {t:%I:%M %p}\n"
                f"To:  \"{to.split('@')[0]}\"<{to}>;\n\nSubject:  {subject}\n")
    if style == "163":
        return ("-------- 转发邮件信息 --------\n"
                f"发件人：\"{name or a}\" <{a}>\n"
                f"发送日期：{t:%Y-%m-%d %H:%M:%S}\n收件人：{to}\n主题：{subject}\n")
    raise ValueError(style)


PREFIX = {"outlook_de": "WG: ", "owa_de": "WG: ", "outlook_en": "FW: ", "owa_en": "FW: ",
          "outlook_fr": "TR : ", "gmail_en": "Fwd: ", "gmail_de": "Fwd: ", "gmail_fr": "Fwd: ",
          "apple_en": "Fwd: ", "apple_de": "Fwd: ", "tb_de": "Fwd: ", "tb_en": "Fwd: ",
          "tb_fr": "Fwd: ", "foxmail": "转发：", "foxmail_en": "Fw: ", "163": "Fw："}

CLIENT_OF = {"outlook_de": "outlook", "owa_de": "exchange", "outlook_en": "outlook",
             "owa_en": "exchange", "outlook_fr": "outlook", "gmail_en": "gmail",
             "gmail_de": "gmail", "gmail_fr": "gmail", "apple_en": "apple", "apple_de": "apple",
             "tb_de": "thunderbird", "tb_en": "thunderbird", "tb_fr": "thunderbird",
             "foxmail": "foxmail", "foxmail_en": "foxmail", "163": "coremail"}


def client_headers(client: str, lang_tag: str) -> list[str]:
    if client == "outlook":
        return ["X-Mailer: Microsoft Outlook 16.0", f"Thread-Index: A{alnum(27, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')}==",
                f"Content-Language: {lang_tag}"]
    if client == "exchange":
        return [f"Thread-Index: A{alnum(35, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')}",
                f"Accept-Language: {lang_tag}, en-US", f"Content-Language: {lang_tag}",
                "X-MS-Has-Attach:", "X-MS-TNEF-Correlator:"]
    if client == "gmail":
        return []
    if client == "apple":
        return ["X-Mailer: Apple Mail (2.3826.200.121)"]
    if client == "thunderbird":
        return ["User-Agent: Mozilla Thunderbird", f"Content-Language: {lang_tag}"]
    if client == "foxmail":
        return ["X-Mailer: Foxmail 7.2.25.375[cn]", "X-Priority: 3"]
    if client == "coremail":
        return ["X-Mailer: Coremail Webmail Server Version 2023.2-cmXT5 build 20240315(f2c1a6d8)",
                "X-Originating-IP: [183.129.54.17]"]
    return []


def mime_version(client: str) -> str:
    if client == "apple":
        return "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.200.121\\))"
    return "MIME-Version: 1.0"


# ---------------------------------------------------------------- message builders

MESSAGES: list[dict] = []


def register(fname: str, raw: str, sender: str, rcpt: str, category: str, lang: str,
             note: str) -> None:
    assert category in ACTIONS, category
    MESSAGES.append(dict(file=fname, raw=raw, sender=sender, recipient=rcpt, category=category,
                         action=ACTIONS[category], lang=lang, note=note))


def assemble(headers: list[str], body_part: str) -> str:
    return "\n".join(h for h in headers if h) + "\n" + body_part


def fwd(fname: str, *, style: str, seller: tuple[str, str], rcpt: str, t: str, off: float = 1,
        note: str, sig: str = "", cust: tuple[str | None, str], cust_to: str, ct: str,
        coff: float = 1, csubj: str, ctext: str, charset: str = "utf-8", cte: str = "8bit",
        category: str, lang: str, label: str, html_alt: bool | None = None,
        envelope: str | None = None, lang_tag: str = "de-DE", extra: list[str] | None = None,
        subject: str | None = None, inner_block: str | None = None,
        html_only: bool = False, html_body: str | None = None) -> None:
    """A seller forwarding a customer's mail inline with a mail client."""
    sname, saddr = seller
    tt, ctt = T(t, off), T(ct, coff)
    client = CLIENT_OF[style]
    dom = saddr.split("@")[1]
    block = inner_block if inner_block is not None else (
        fwd_header(style, cust[0], cust[1], cust_to, ctt, csubj) + "\n" + ctext.strip("\n") + "\n")
    body = note.strip("\n") + "\n\n" + (sig.strip("\n") + "\n\n" if sig else "") + "\n" + block
    if style in ("foxmail", "foxmail_en"):
        body = note.strip("\n") + "\n\n" + (sig.strip("\n") + "\n" if sig else "") + "\n \n" + block
    subj = subject if subject is not None else PREFIX[style] + csubj
    host, ip = INFRA[dom]
    mid_kind = {"outlook": "outlook", "exchange": "exchange", "gmail": "gmail", "apple": "apple",
                "thunderbird": "thunderbird", "foxmail": "foxmail", "coremail": "coremail"}[client]
    hs = [amazon_in(tt, host, ip, rcpt),
          received(*((f"p5b0{hx(4)}.dip0.t-ipconnect.de", f"91.11.{R.randint(1, 250)}.{R.randint(1, 250)}")
                     if off == 1 else (lambda ip: (ip, ip))(f"183.129.54.{R.randint(2, 250)}")),
                   host, later(tt, 1), with_="ESMTPSA", helo=f"[192.168.{R.randint(0, 2)}.{R.randint(10, 200)}]")
          if client not in ("gmail", "exchange") else "",
          f"From: {addr(sname, saddr, charset if charset.lower().startswith('gb') else 'utf-8')}",
          f"To: {rcpt}",
          f"Subject: {ehdr(subj, charset if charset.lower().startswith('gb') else 'utf-8')}",
          f"Date: {rfcdate(tt)}",
          f"Message-ID: {msgid(mid_kind, dom)}",
          ] + client_headers(client, lang_tag) + (extra or []) + [mime_version(client)]
    if html_body is not None:
        part = leaf(html_body, "html", charset, cte)
    elif html_only:
        part = leaf(text_to_html(body), "html", charset, cte)
    elif (html_alt if html_alt is not None else client in ("gmail", "apple")):
        part = multipart("alternative", [leaf(body, "plain", charset, cte),
                                         leaf(text_to_html(body), "html", charset, cte)],
                         boundary="000000000000" + hx(16) if client == "gmail" else
                         f"Apple-Mail={HX(8)}-{HX(4)}-{HX(4)}-{HX(4)}-{HX(12)}")
    else:
        ct_extra = "; format=flowed" if client == "thunderbird" else ""
        part = leaf(body, "plain", charset, cte, ct_extra)
    register(fname, assemble(hs, part), envelope if envelope is not None else saddr, rcpt,
             category, lang, label)


def cust_msg(*, cust: tuple[str | None, str], to: str, t: str, off: float = 1, subject: str,
             text: str, charset: str = "utf-8", cte: str = "8bit", mailer: str = "webde",
             html_alt: bool = False, extra: list[str] | None = None,
             received_for: str | None = None) -> str:
    """The customer's original message as it left the customer's provider."""
    name, a = cust
    tt = T(t, off)
    a.split("@")[1]
    prov = {
        "webde": ("mout.web.de", "212.227.15.3", msgid("plain", "web.de")),
        "gmx": ("mout.gmx.net", "212.227.17.22", f"<trinity-{hx(8)}-{hx(4)}-{hx(4)}-{hx(4)}-{hx(12)}-{R.randint(1700000000000, 1799999999999)}@3c-app-gmx-bap{R.randint(10, 70)}>"),
        "gmail": ("mail-lf1-f52.google.com", "209.85.167.52", msgid("gmail", "gmail.com")),
        "outlookcom": ("EUR02-AM0-obe.outbound.protection.outlook.com", "52.101.68.40", msgid("exchange", "")),
        "orange": ("smtp-out.orange.fr", "80.12.242.17", f"<{R.randint(100000000, 999999999)}.{R.randint(10000, 99999)}.{R.randint(1700000000000, 1799999999999)}.JavaMail.open-xchange@opme11oxm01nd1.rouen.francetelecom.fr>"),
        "libero": ("smtp-35.iol.local", "213.209.10.35", f"<{alnum(20, 'abcdefghijklmnopqrstuvwxyz0123456789')}@libero.it>"),
        "wp": ("mx.wp.pl", "212.77.101.1", f"<{hx(32)}@grupawp.pl>"),
        "ziggo": ("smtp.ziggo.nl", "84.116.6.20", f"<{hx(12)}${hx(8)}${hx(8)}$@ziggo.nl>"),
        "qq": ("smtpbgeu2.qq.com", "18.194.254.142", f"<tencent_{HX(40)}@qq.com>"),
        "icloud": ("st43p00im-ztdg10071801.me.com", "17.58.63.173", msgid("apple", "icloud.com")),
        "tonline": ("mailout01.t-online.de", "194.25.134.80", msgid("plain", "t-online.de")),
        "hotmail": ("EUR05-VI1-obe.outbound.protection.outlook.com", "52.101.66.31", msgid("exchange", "")),
        "amazon": ("a3-121.smtp-out.eu-west-1.amazonses.com", "54.240.3.121", f"<0102{hx(12)}-{hx(8)}-{hx(4)}-{hx(4)}-{hx(4)}-{hx(12)}-000000@eu-west-1.amazonses.com>"),
    }[mailer]
    host, ip, mid = prov
    hs = [received(host, ip, "mx1." + (received_for or to).split("@")[1] + " (Postfix)", later(tt, R.randint(3, 30)),
                   for_=received_for or to) if received_for else "",
          f"From: {addr(name, a, charset if charset.lower().startswith('gb') else 'utf-8')}",
          f"To: {to}",
          f"Subject: {ehdr(subject, charset if charset.lower().startswith('gb') else 'utf-8')}",
          f"Date: {rfcdate(tt)}",
          f"Message-ID: {mid}"] + (extra or []) + ["MIME-Version: 1.0"]
    if html_alt:
        part = multipart("alternative", [leaf(text, "plain", charset, cte),
                                         leaf(text_to_html(text), "html", charset, cte)])
    else:
        part = leaf(text, "plain", charset, cte)
    return assemble(hs, part)


def attached(fname: str, *, seller: tuple[str, str], rcpt: str, t: str, off: float = 1,
             note: str, inner: str, subject: str, client: str = "outlook",
             category: str, lang: str, label: str, charset: str = "utf-8", cte: str = "8bit",
             envelope: str | None = None, lang_tag: str = "de-DE", filename: str | None = None) -> None:
    sname, saddr = seller
    tt = T(t, off)
    dom = saddr.split("@")[1]
    host, ip = INFRA[dom]
    hs = [amazon_in(tt, host, ip, rcpt),
          f"From: {addr(sname, saddr)}", f"To: {rcpt}", f"Subject: {ehdr(subject)}",
          f"Date: {rfcdate(tt)}", f"Message-ID: {msgid(client, dom)}"] + \
        client_headers(client, lang_tag) + [mime_version(client)]
    part = multipart("mixed", [leaf(note, "plain", charset, cte), rfc822_part(inner, filename)])
    register(fname, assemble(hs, part), envelope if envelope is not None else saddr, rcpt,
             category, lang, label)


def autofwd(fname: str, *, inner: str, top: list[str], envelope: str, rcpt: str,
            category: str, lang: str, label: str) -> None:
    """Server-side forward: the customer's message unchanged, with headers on top."""
    register(fname, "\n".join(top) + "\n" + inner, envelope, rcpt, category, lang, label)


# ---------------------------------------------------------------- the world: config and orders

CONFIG = """\
# Blind validation set: configuration (contract shape of router.example.yaml, no imap section).
# "Now" for this set: 2026-11-20T12:00:00Z. All enrollments and orders are consistent with it.

instance:
  hostname: csba-router.blind.internal
  data_dir: ./var

storage:
  url: sqlite:///./var/router.db

smtp:
  listen: 127.0.0.1:2525
  max_message_size: 25MB
  max_recipients: 10
  tls_cert: null
  tls_key: null

outbound:
  transport: maildir://./var/outbox
  from_address: csba-noreply@amazon.de
  retry_schedule: [1m, 5m, 30m, 2h, 6h]
  give_up_after: 5d

regions:
  de2de:
    address: csba-de2de@amazon.de
    marketplace: amazon.de
    language: de
    forward_to: csba-team-de@example.internal
    bsm_address: null
  cn2de:
    address: csba-cn2de@amazon.de
    marketplace: amazon.de
    language: zh
    forward_to: csba-team-cn@example.internal

sellers:
  # German coffee roaster; exact addresses only; enrolled for a year (since 2025-11-03).
  - id: A3KAFFEEKONTOR
    name: Kaffeekontor Brenner & Söhne KG
    region: de2de
    addresses: [kundenservice@kaffeekontor-brenner.de, info@kaffeekontor-brenner.de]
    notify: buchhaltung@kaffeekontor-brenner.de
    language: de
    enrollment:
      - {start: 2025-11-03}

  # French-speaking lighting workshop based in Saarbrücken; whole domain; opted out and re-enrolled.
  - id: A4ATELIERLUMIERE
    name: Atelier Lumière SARL
    region: de2de
    addresses: ["*@atelier-lumiere.eu"]
    notify: gerance@atelier-lumiere.eu
    language: fr
    enrollment:
      - {start: 2026-02-01, end: 2026-06-10}   # opted out on 2026-06-10
      - {start: 2026-09-01}                    # re-enrolled; gap 2026-06-10 .. 2026-08-31

  # Outdoor gear, Hamburg, English-speaking team; enrolled only recently.
  - id: A5HOLLOWOAK
    name: Hollow Oak Outdoor Ltd. & Co. KG
    region: de2de
    addresses: [support@hollowoak-outdoor.com, returns@hollowoak-outdoor.com]
    language: en
    enrollment:
      - {start: 2026-11-02}

  # Kitchenware maker, Yiwu; whole domain; notices in the region's language (zh); gap.
  - id: A6JINHUAKITCHEN
    name: 义乌市锦华厨具有限公司 (Yiwu Jinhua Kitchenware Co., Ltd.)
    region: cn2de
    addresses: ["*@jinhua-kitchen.cn"]
    notify: boss@jinhua-kitchen.cn
    enrollment:
      - {start: 2026-04-15, end: 2026-07-20}   # opted out on 2026-07-20
      - {start: 2026-10-05}                    # re-enrolled; gap 2026-07-20 .. 2026-10-04

  # Electronics, Dongguan; one exact address plus a whole second domain; English notices.
  - id: A7PEARLRIVER
    name: Dongguan Pearl River Electronics Co., Ltd.
    region: cn2de
    addresses: [ops@pearlriver-tech.com, "*@pr-tech.com.cn"]
    notify: ops@pearlriver-tech.com
    language: en
    enrollment:
      - {start: 2026-01-10}

classification:
  rules:
    - name: invoice-requests
      category: invoice
      any_keywords:
        de: [Rechnung, Rechnungskopie, Umsatzsteuer, MwSt]
        fr: [facture, facturation, TVA]
        en: [invoice, VAT receipt]
        zh: [发票]
    - name: customization
      category: customization
      any_keywords:
        de: [Gravur, Personalisierung, personalisiert]
        fr: [gravure, personnalisation, personnalisé]
        en: [engraving, personalization, personalised, customization]
        zh: [定制, 刻字]
  unknown_order: hold

actions:
  post_sale_seller_fulfilled: forward
  follow_up: forward
  seller_question: bounce
  pre_sale: bounce
  amazon_fulfilled: bounce
  invoice: bounce
  customization: bounce
  not_covered: bounce
  order_unknown: hold
  unknown_sender: hold
  auto_generated: drop

auto_reply:
  max_notices_per_sender_per_day: 100

billing:
  trial_days: 30
  cpu_window_months: 3
  contact_window: 24h
  fees:
    amazon.de:
      currency: EUR
      tiers:
        - {cpu_at_most: 0.05, fee: "0.09"}
        - {cpu_at_most: 0.15, fee: "0.41"}
        - {cpu_at_most: 0.30, fee: "1.09"}
        - {cpu_at_most: null, fee: "2.55"}
      low_volume: {max_units: 30, fee: "0.41"}
    amazon.com:
      currency: USD
      tiers:
        - {cpu_at_most: 0.05, fee: "0.10"}
        - {cpu_at_most: 0.15, fee: "0.25"}
        - {cpu_at_most: 0.30, fee: "0.50"}
        - {cpu_at_most: null, fee: "0.70"}
      low_volume: {max_units: 30, fee: "0.25"}
"""

ENROLL = {  # (start, end) UTC days, end exclusive, None = open
    "A3KAFFEEKONTOR": [("2025-11-03", None)],
    "A4ATELIERLUMIERE": [("2026-02-01", "2026-06-10"), ("2026-09-01", None)],
    "A5HOLLOWOAK": [("2026-11-02", None)],
    "A6JINHUAKITCHEN": [("2026-04-15", "2026-07-20"), ("2026-10-05", None)],
    "A7PEARLRIVER": [("2026-01-10", None)],
}

PRODUCTS = {
    # sku: (name, asin, price)
    "KK-ESP-1000": ("Kaffeekontor Espresso Classico, ganze Bohne, 1 kg", "B0D4K7M2QX", "24.90"),
    "KK-KM60": ("Kaffeekontor Kegelmahlwerk-Espressomühle KM-60, Edelstahl", "B0CX9R3T5L", "189.00"),
    "KK-ETH-500G": ("Kaffeekontor Filterkaffee Hochland Äthiopien, gemahlen, 500 g", "B0D1H8P6WN", "12.50"),
    "KK-TMP58": ("Kaffeekontor Tamper 58 mm Nussbaum", "B0B7Z2Q4YV", "34.90"),
    "KK-DOSE1": ("Kaffeekontor Aromadose 1 kg, Edelstahl", "B0C5M1N8RT", "19.90"),
    "KK-ENTK3": ("Kaffeekontor Entkalker für Siebträger, 3 x 250 ml", "B0CJ4T7W2P", "14.95"),
    "KK-CREMA-500": ("Kaffeekontor Crema Bio, ganze Bohne, 500 g", "B09XY3K8LM", "13.90"),
    "AL-MISTRAL": ("Atelier Lumière Lampe à poser en laiton « Mistral », abat-jour lin", "B0CQ2W8N4J", "129.00"),
    "AL-BG-FIGUE": ("Atelier Lumière Bougie parfumée Figue & Cèdre 220 g", "B0BT6R1K9D", "28.00"),
    "AL-LANT-GRAV": ("Atelier Lumière Lanterne en verre gravée, prénom au choix", "B0D7P3X5QC", "45.00"),
    "AL-SUSP45": ("Atelier Lumière Suspension rotin Ø 45 cm", "B0C8N2J6VT", "89.00"),
    "AL-COF3": ("Atelier Lumière Coffret 3 bougies Provence", "B09R4M7Z1H", "54.00"),
    "HO-TH3": ("Hollow Oak Trailhead 3 Tunnel Tent, 3-Person, 2.4 kg", "B0CZ5L2K8M", "249.00"),
    "HO-DSB5": ("Hollow Oak Down Sleeping Bag Comfort -5 °C", "B0D2N7Q3WX", "179.00"),
    "HO-TS1": ("Hollow Oak Titanium Camping Stove TS-1", "B0C6V9R2PD", "64.90"),
    "HO-MUG-ENG": ("Hollow Oak Enamel Mug 350 ml, engraved with your name", "B0D9K4T1ZB", "19.90"),
    "HO-PRK": ("Hollow Oak Tent Pole Repair Kit", "B08Z3X6N2L", "9.90"),
    "JH-KNIFE5": ("Jinhua Damast-Kochmesser-Set, 5-teilig, mit Magnetblock", "B0CR8M3V6T", "79.99"),
    "JH-WOK32": ("Jinhua Carbonstahl-Wok 32 cm, handgehämmert, induktionsgeeignet", "B0B9K2D7XF", "45.99"),
    "JH-BOARD-ENG": ("Jinhua Bambus-Schneidebrett mit Wunschgravur, 40 x 28 cm", "B0D3Q8W1ZN", "32.99"),
    "JH-STEAM3": ("Jinhua Dim-Sum-Dampfgarer Bambus, 3-stöckig", "B0C1T5R9KM", "27.99"),
    "PR-HUB7": ("PR-Tech USB-C Hub 7-in-1, 4K HDMI, 100 W PD", "B0C4X8N2QL", "39.99"),
    "PR-PB20K": ("PR-Tech Powerbank 20000 mAh, 65 W", "B0D6M1R7TS", "49.99"),
    "PR-LED10": ("PR-Tech LED Strip 10 m RGBIC, App-Steuerung", "B0B8W3K5HV", "29.99"),
    "PR-HUB9PRO": ("PR-Tech PR-Hub 9 Pro Thunderbolt Dock (Vorbestellung, Erscheinungsdatum 10.12.2026)", "B0DH7K2M4P", "129.99"),
    "PR-GAN140": ("PR-Tech GaN Ladegerät 140 W, 3 Ports", "B0CT2Z9Q1F", "59.99"),
}

# seller: [(order id, purchase-date, order-status, fulfillment-channel, [(sku, qty)], comment)]
ORDERS = {
    "A3KAFFEEKONTOR": [
        ("302-4417829-1093317", "2026-10-28T09:14:22+01:00", "Shipped", "Merchant", [("KK-ESP-1000", 2)], "K1 covered"),
        ("302-8820145-6631902", "2026-11-05T19:47:03+01:00", "Shipped", "Merchant", [("KK-KM60", 1)], "K2 covered"),
        ("306-1175530-2284410", "2026-11-17T21:05:40+01:00", "Unshipped", "Merchant", [("KK-ETH-500G", 3)], "K3 covered, not shipped"),
        ("028-5531907-4478213", "2026-10-12T11:30:00+02:00", "Shipped", "Amazon", [("KK-CREMA-500", 2)], "K4 AFN"),
        ("302-9904412-3318856", "2025-10-21T15:22:10+02:00", "Shipped", "Merchant", [("KK-TMP58", 1)], "K5 before enrollment"),
        ("302-2268410-7745129", "2025-11-03T00:30:00+01:00", "Shipped", "Merchant", [("KK-ESP-1000", 1)], "K6 = 2025-11-02T23:30Z, before enrollment"),
        ("304-6652018-9920471", "2026-09-14T08:02:55+02:00", "Shipped", "Merchant", [("KK-KM60", 1)], "K7 covered (invoice request)"),
        ("302-3317764-5502198", "2026-11-19T22:41:19+01:00", "Pending", "Merchant", [("KK-CREMA-500", 1), ("KK-TMP58", 1)], "K8 covered, pending"),
        ("303-7781253-1146630", "2026-11-08T13:12:45+01:00", "Shipped", "Amazon", [("KK-ESP-1000", 1)], "K9 AFN"),
        ("302-5509918-2267345", "2026-08-02T10:05:33+02:00", "Shipped", "Merchant", [("KK-ETH-500G", 2)], "K10 covered"),
        ("302-6604127-8890231", "2026-10-09T17:48:00+02:00", "Shipped", "Merchant", [("KK-ENTK3", 1)], "K11 covered"),
        ("302-1873346-0527718", "2026-11-14T12:00:00+01:00", "Shipped", "Merchant", [("KK-DOSE1", 1)], "K12 covered"),
        ("302-7720064-3318402", "2026-11-02T18:25:00+01:00", "Cancelled", "Merchant", [("KK-KM60", 1)], "K13 cancelled"),
    ],
    "A4ATELIERLUMIERE": [
        ("302-1180457-3390216", "2026-10-03T16:20:11+02:00", "Shipped", "Merchant", [("AL-MISTRAL", 1)], "L1 covered"),
        ("302-6674310-8812045", "2026-07-15T09:45:00+02:00", "Shipped", "Merchant", [("AL-SUSP45", 1)], "L2 gap"),
        ("302-2245871-6650339", "2026-06-10T01:30:00+02:00", "Shipped", "Merchant", [("AL-COF3", 1)], "L3 = 2026-06-09T23:30Z, covered (last hour before opt-out)"),
        ("302-7718260-4401287", "2026-09-01T01:15:00+02:00", "Shipped", "Merchant", [("AL-MISTRAL", 1)], "L4 = 2026-08-31T23:15Z, gap"),
        ("302-3390128-5567014", "2026-01-20T14:02:00+01:00", "Shipped", "Merchant", [("AL-BG-FIGUE", 2)], "L5 before enrollment"),
        ("305-8812207-1190463", "2026-10-22T18:11:09+02:00", "Shipped", "Amazon", [("AL-BG-FIGUE", 1)], "L6 AFN"),
        ("302-4456091-7723318", "2026-11-11T07:55:42+01:00", "Shipped", "Merchant", [("AL-SUSP45", 1)], "L7 covered"),
        ("302-9031174-2278850", "2026-11-18T20:33:15+01:00", "Unshipped", "Merchant", [("AL-MISTRAL", 1)], "L8 covered, not shipped"),
        ("302-5521843-0098126", "2026-04-02T12:12:12+02:00", "Shipped", "Merchant", [("AL-COF3", 1)], "L9 covered (first period)"),
        ("302-6120984-3371155", "2026-10-30T10:40:00+01:00", "Shipped", "Merchant", [("AL-LANT-GRAV", 1)], "L10 covered (engraved)"),
        ("302-8890412-6613370", "2026-08-20T21:10:00+02:00", "Shipped", "Merchant", [("AL-BG-FIGUE", 3)], "L11 gap"),
        ("302-7702316-4419085", "2026-10-12T08:30:00+02:00", "Shipped", "Merchant", [("AL-MISTRAL", 1)], "L12 covered"),
    ],
    "A5HOLLOWOAK": [
        ("302-3348120-7712093", "2026-11-06T18:02:33+01:00", "Shipped", "Merchant", [("HO-TH3", 1)], "H1 covered"),
        ("302-1109876-4452310", "2026-10-19T10:10:10+02:00", "Shipped", "Merchant", [("HO-DSB5", 1)], "H2 before enrollment"),
        ("302-6678342-1120987", "2026-11-02T00:45:00+01:00", "Shipped", "Merchant", [("HO-TS1", 1)], "H3 = 2026-11-01T23:45Z, before enrollment"),
        ("302-4471209-9983412", "2026-11-02T01:20:00+01:00", "Shipped", "Merchant", [("HO-DSB5", 1)], "H4 = 2026-11-02T00:20Z, covered"),
        ("306-2209871-3345128", "2026-11-10T14:55:00+01:00", "Shipped", "Amazon", [("HO-TH3", 1)], "H5 AFN"),
        ("302-7765120-0034219", "2026-11-19T08:30:00+01:00", "Pending", "Merchant", [("HO-TS1", 2)], "H6 covered, pending"),
        ("302-8123904-5567801", "2026-11-12T20:20:20+01:00", "Shipped", "Merchant", [("HO-TH3", 1)], "H7 covered (invoice request)"),
        ("302-5590127-8843016", "2026-09-28T11:00:00+02:00", "Shipped", "Merchant", [("HO-PRK", 1)], "H8 before enrollment"),
        ("302-9913402-6687120", "2026-11-14T16:45:00+01:00", "Shipped", "Merchant", [("HO-MUG-ENG", 2)], "H9 covered (engraved mug)"),
    ],
    "A6JINHUAKITCHEN": [
        ("302-2290318-6671045", "2026-10-20T09:30:00+02:00", "Shipped", "Merchant", [("JH-KNIFE5", 1)], "J1 covered"),
        ("302-9912056-3378410", "2026-08-25T19:12:00+02:00", "Shipped", "Merchant", [("JH-WOK32", 1)], "J2 gap"),
        ("302-5567129-1102398", "2026-10-05T07:40:00+08:00", "Shipped", "Merchant", [("JH-STEAM3", 1)], "J3 = 2026-10-04T23:40Z, gap"),
        ("302-6612087-4490321", "2026-10-05T08:10:00+08:00", "Shipped", "Merchant", [("JH-WOK32", 1)], "J4 = 2026-10-05T00:10Z, covered"),
        ("302-1187203-5590467", "2026-07-20T07:30:00+08:00", "Shipped", "Merchant", [("JH-KNIFE5", 1)], "J5 = 2026-07-19T23:30Z, covered"),
        ("302-3345601-8812370", "2026-07-20T08:30:00+08:00", "Shipped", "Merchant", [("JH-STEAM3", 2)], "J6 = 2026-07-20T00:30Z, gap"),
        ("304-7703418-2256981", "2026-11-03T12:00:00+01:00", "Shipped", "Amazon", [("JH-KNIFE5", 1)], "J7 AFN"),
        ("302-4098712-6634519", "2026-11-09T20:45:00+01:00", "Shipped", "Merchant", [("JH-WOK32", 1)], "J8 covered"),
        ("302-8856014-2217936", "2026-05-18T10:00:00+02:00", "Shipped", "Merchant", [("JH-STEAM3", 1)], "J9 covered (first period)"),
        ("302-0934127-7781024", "2026-11-18T15:15:00+01:00", "Unshipped", "Merchant", [("JH-KNIFE5", 1)], "J10 covered, not shipped"),
        ("302-6651298-0043187", "2026-10-26T11:11:00+01:00", "Shipped", "Merchant", [("JH-BOARD-ENG", 1)], "J11 covered (engraved board)"),
        ("302-1209943-5578102", "2026-03-30T09:00:00+02:00", "Shipped", "Merchant", [("JH-WOK32", 1)], "J12 before enrollment"),
        ("302-5012386-9947260", "2026-11-07T14:00:00+01:00", "Shipped", "Merchant", [("JH-STEAM3", 1)], "J13 covered (invoice request)"),
        ("302-7264109-3385521", "2026-11-12T10:30:00+01:00", "Shipped", "Merchant", [("JH-KNIFE5", 1)], "J14 covered"),
    ],
    "A7PEARLRIVER": [
        ("302-7741290-3356108", "2026-10-14T13:00:00+02:00", "Shipped", "Merchant", [("PR-HUB7", 1)], "P1 covered"),
        ("302-2236719-9014562", "2026-11-13T09:20:00+01:00", "Shipped", "Merchant", [("PR-PB20K", 1)], "P2 covered"),
        ("302-5519034-7728816", "2026-10-30T17:30:00+01:00", "Shipped", "Amazon", [("PR-LED10", 2)], "P3 AFN"),
        ("302-9083316-1145092", "2025-12-28T12:00:00+01:00", "Shipped", "Merchant", [("PR-GAN140", 1)], "P4 before enrollment"),
        ("302-6601284-3390457", "2026-11-19T10:05:00+01:00", "Pending", "Merchant", [("PR-HUB9PRO", 1)], "P5 pre-order of unreleased item"),
        ("302-3378125-6609843", "2026-08-07T08:00:00+02:00", "Shipped", "Merchant", [("PR-GAN140", 1)], "P6 covered (invoice request)"),
        ("302-8812904-4456713", "2026-11-01T19:00:00+01:00", "Shipped", "Amazon", [("PR-PB20K", 1)], "P7 AFN"),
        ("302-1145672-9930284", "2026-11-16T22:10:00+01:00", "Shipped", "Merchant", [("PR-LED10", 1)], "P8 covered"),
        ("302-4420918-7765302", "2026-01-10T07:55:00+08:00", "Shipped", "Merchant", [("PR-HUB7", 1)], "P9 = 2026-01-09T23:55Z, before enrollment"),
        ("302-0078345-2291637", "2026-06-30T23:50:00+02:00", "Shipped", "Merchant", [("PR-PB20K", 1)], "P10 covered"),
    ],
}

TSV_HEADER = ["amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date",
              "order-status", "fulfillment-channel", "sales-channel", "order-channel", "url",
              "ship-service-level", "product-name", "sku", "asin", "item-status", "quantity",
              "currency", "item-price"]


def write_orders() -> None:
    for seller, rows in ORDERS.items():
        lines = ["\t".join(TSV_HEADER)]
        for n, (oid, pdate, status, chan, items, _c) in enumerate(rows):
            p = dt.datetime.fromisoformat(pdate)
            upd = p + dt.timedelta(days=2 if status == "Shipped" else 0, hours=3, minutes=R.randint(0, 59))
            if upd > dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.UTC):
                upd = dt.datetime(2026, 11, 20, 7, 5, tzinfo=p.tzinfo) if p < dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC) else p
            for sku, qty in items:
                name, asin, price = PRODUCTS[sku]
                item_status = {"Shipped": "Shipped", "Pending": "Unshipped", "Unshipped": "Unshipped",
                               "Cancelled": "Cancelled"}[status]
                total = f"{float(price) * qty:.2f}" if status != "Cancelled" else ""
                lines.append("\t".join([
                    oid, "" if chan == "Amazon" else f"{seller[:4]}-{20260000 + n * 37 + qty}",
                    pdate, upd.isoformat(), status, chan, "Amazon.de", "", "",
                    "Expedited" if (n % 5 == 3) else "Standard", name,
                    sku + ("-FBA" if chan == "Amazon" else ""), asin, item_status, str(qty), "EUR", total]))
        with open(os.path.join(HERE, f"orders-{seller}.tsv"), "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------- the messages

KK_SERVICE = ("Kaffeekontor Brenner Kundenservice", "kundenservice@kaffeekontor-brenner.de")
KK_INFO = ("Jana Brenner | Kaffeekontor", "info@kaffeekontor-brenner.de")
KK_SIG = """Viele Grüße
Jana Brenner

Kaffeekontor Brenner & Söhne KG
Am Wall 142 · 28195 Bremen
Tel. 0421 33 44 580 · www.kaffeekontor-brenner.de"""

AL_CONTACT = ("Atelier Lumière – Service client", "contact@atelier-lumiere.eu")
AL_CAMILLE = ("Camille Roche", "camille@atelier-lumiere.eu")
AL_SIG = """Bien cordialement,
Camille Roche
Atelier Lumière SARL
Mainzer Straße 88, 66121 Saarbrücken"""

HO_SUPPORT = ("Hollow Oak Support", "support@hollowoak-outdoor.com")
HO_RETURNS = ("Hollow Oak Returns", "returns@hollowoak-outdoor.com")
HO_SIG = """Cheers,
Tom Reilly
Customer Care | Hollow Oak Outdoor
Shanghaiallee 9, 20457 Hamburg"""

JH_SERVICE = ("锦华厨具客服", "service@jinhua-kitchen.cn")
JH_LINA = ("李娜", "li.na@jinhua-kitchen.cn")
JH_KEVIN = ("Kevin Wang", "kevin.wang@jinhua-kitchen.cn")
JH_SIG = """祝好！
李娜
义乌市锦华厨具有限公司 | 跨境电商部
电话：0579-8523 6617"""

PR_OPS = ("Pearl River Ops", "ops@pearlriver-tech.com")
PR_AMY = ("客服 Amy", "kefu@pr-tech.com.cn")
PR_JASON = ("Jason Lin", "jason.lin@pr-tech.com.cn")
PR_SIG = """Best regards,
Jason Lin
After-sales | Dongguan Pearl River Electronics Co., Ltd.
No. 18 Keji Road, Songshan Lake, Dongguan"""


def build_post_sale() -> None:
    # 01 ------------------------------------------------------------------
    fwd("01-kaffeekontor-outlook-de.eml", style="outlook_de", seller=KK_SERVICE, rcpt=DE2DE,
        t="2026-11-17 09:02:41",
        note="""Hallo CSBA-Team,

bitte um Übernahme, die Kundin hat die Mühle beschädigt erhalten. Die Rechnung lag der Sendung bei, darum geht es nicht.""",
        sig=KK_SIG, cust=("Petra Schulz", "petra.schulz@web.de"), cust_to=KK_SERVICE[1],
        ct="2026-11-16 18:44:10", csubj="Mühle kaputt angekommen - Bestellung 302-8820145-6631902",
        ctext="""Guten Tag,

heute kam meine Espressomühle KM-60 an (Bestellnummer 302-8820145-6631902). Leider ist der Bohnenbehälter gesprungen und das Gehäuse hat an der Seite eine richtige Delle, der Karton war schon beim Zusteller ziemlich zerdrückt. Fotos schicke ich gern nach, wenn Sie welche brauchen.

Ich hätte gern Ersatz, ein Austausch der ganzen Mühle wäre mir lieber als ein Teiletausch. Wie soll ich vorgehen?

Mit freundlichen Grüßen
Petra Schulz""",
        category="post_sale_seller_fulfilled", lang="de",
        label="K2 MFN shipped, enrolled; 'Rechnung' only in seller's note")

    # 02 ------------------------------------------------------------------
    fwd("02-kaffeekontor-gmail-de.eml", style="gmail_de", seller=KK_INFO, rcpt=DE2DE,
        t="2026-11-12 14:20:05",
        note="Bitte übernehmen – der Kunde schreibt auf Polnisch.\n\nDanke, Jana",
        cust=("Tomasz Nowak", "tomasz.nowak84@wp.pl"), cust_to=KK_INFO[1], ct="2026-11-12 11:03:52",
        csubj="Reklamacja - kawa Espresso Classico",
        ctext="""Dzień dobry,

zamówiłem u Państwa dwa opakowania Espresso Classico (zamówienie 302-4417829-1093317). Jedna paczka przyszła rozerwana, ziarna były rozsypane w kartonie i kawa pachnie stęchlizną. Czy mogę prosić o wymianę tej jednej paczki albo zwrot pieniędzy?

Z poważaniem
Tomasz Nowak""",
        category="post_sale_seller_fulfilled", lang="pl", label="K1 MFN shipped, enrolled; Polish customer")

    # 03 server-side auto-forward, Resent-* ---------------------------------
    inner = cust_msg(cust=("Sanne de Wit", "sanne.dewit@ziggo.nl"), to=KK_INFO[1], t="2026-11-16 13:37:20",
                     subject="Verkeerde maling koffie", mailer="ziggo", received_for=KK_INFO[1],
                     text="""Goedemiddag,

Op 2 augustus heb ik twee zakken Hochland Äthiopien besteld (bestelnummer 302-5509918-2267345). Nu merk ik dat de tweede zak, die ik pas deze week heb opengemaakt, veel te fijn gemalen is - het lijkt wel espressomaling en mijn filter loopt helemaal vol. De eerste zak was prima. Kunt u een nieuwe zak sturen of het bedrag terugbetalen?

Met vriendelijke groet,
Sanne de Wit
Utrecht""")
    t3 = T("2026-11-16 13:37:58")
    autofwd("03-kaffeekontor-autofwd-resent.eml", inner=inner, envelope=KK_INFO[1], rcpt=DE2DE,
            top=[amazon_in(t3, *INFRA["kaffeekontor-brenner.de"], DE2DE),
                 f"Resent-From: {KK_INFO[1]}", f"Resent-To: {DE2DE}", f"Resent-Date: {rfcdate(t3)}",
                 f"Resent-Message-ID: {msgid('plain', 'kaffeekontor-brenner.de')}"],
            category="post_sale_seller_fulfilled", lang="nl",
            label="K10 MFN shipped Aug 2026, enrolled; auto-forward with Resent-From")

    # 04 Apple Mail de, windows-1252 QP -----------------------------------
    fwd("04-kaffeekontor-apple-de.eml", style="apple_de", seller=KK_INFO, rcpt=DE2DE,
        t="2026-11-19 08:15:33", charset="windows-1252", cte="quoted-printable", html_alt=False,
        note="Hallo zusammen,\n\nbitte kümmert euch um Herrn Hoffmann, die Bestellung ist noch nicht raus.\n\nGruß\nJana",
        cust=("Klaus-Dieter Hoffmann", "kd.hoffmann@t-online.de"), cust_to=KK_INFO[1],
        ct="2026-11-18 22:51:07", csubj="Wann wird versendet?",
        ctext="""Sehr geehrte Damen und Herren,

ich habe am Dienstagabend 3 Päckchen Äthiopien-Filterkaffee bestellt, Bestellung 306-1175530-2284410. Bei Amazon steht immer noch „Noch nicht versandt“. Das Ganze ist ein Geschenk für den Geburtstag meiner Frau am Sonntag – schaffen Sie das noch bis Samstag? Sonst würde ich lieber stornieren.

Freundliche Grüße
K.-D. Hoffmann""",
        category="post_sale_seller_fulfilled", lang="de",
        label="K3 MFN Unshipped (placed, not shipped = post-sale)")

    # 05 Thunderbird de, Italian customer ---------------------------------
    fwd("05-kaffeekontor-thunderbird-de.eml", style="tb_de", seller=KK_SERVICE, rcpt=DE2DE,
        t="2026-11-20 08:05:12",
        note="Moin,\n\nanbei eine Anfrage auf Italienisch, Bestellung ist noch offen. Bitte übernehmen.",
        sig=KK_SIG, cust=("Giulia Ferraro", "giulia.ferraro@libero.it"), cust_to=KK_SERVICE[1],
        ct="2026-11-20 07:48:30", csubj="Annullare parte dell'ordine",
        ctext="""Buongiorno,

ieri sera ho ordinato il caffè Crema Bio e il pressino da 58 mm (ordine 302-3317764-5502198), ma mi sono accorta che il pressino è troppo grande per la mia macchina, che ha un portafiltro da 51 mm. È possibile annullare solo il pressino prima della spedizione? Il caffè lo tengo volentieri.

Grazie mille e buona giornata,
Giulia Ferraro""",
        category="post_sale_seller_fulfilled", lang="it", label="K8 MFN Pending, enrolled; cancel request")

    # 06 Outlook fr, iso-8859-1 QP -----------------------------------------
    fwd("06-atelier-outlook-fr.eml", style="outlook_fr", seller=AL_CONTACT, rcpt=DE2DE,
        t="2026-11-13 10:12:44", charset="iso-8859-1", cte="quoted-printable", lang_tag="fr-FR",
        note="Bonjour,\n\nMerci de prendre en charge la demande ci-dessous.",
        sig=AL_SIG, cust=("Martine Lefèvre", "martine.lefevre@orange.fr"), cust_to=AL_CONTACT[1],
        ct="2026-11-12 21:30:02", csubj="Lampe Mistral défectueuse",
        ctext="""Bonjour,

J'ai reçu la lampe Mistral commandée le 3 octobre (n° de commande 302-1180457-3390216). Depuis une semaine elle clignote puis s'éteint toute seule au bout de quelques minutes. J'ai essayé avec trois ampoules différentes et une autre prise, rien à faire. Elle est encore sous garantie je suppose ? Je souhaiterais un échange.

Cordialement,
Martine Lefèvre""",
        category="post_sale_seller_fulfilled", lang="fr", label="L1 MFN shipped Oct 2026, re-enrolled period")

    # 07 Gmail fr, German customer via Amazon relay address ------------------
    fwd("07-atelier-gmail-fr.eml", style="gmail_fr", seller=AL_CAMILLE, rcpt=DE2DE,
        t="2026-11-16 09:40:19",
        note="Bonjour,\n\nUn client allemand souhaite retourner sa suspension, pouvez-vous vous en occuper ?\n\nMerci !\nCamille",
        cust=("Lukas Berger - Amazon Marketplace", "h8x2kq4m7vz1wrt@marketplace.amazon.de"),
        cust_to=AL_CAMILLE[1], ct="2026-11-15 19:12:45",
        csubj="Rücksendung Hängeleuchte (Bestellung: 302-4456091-7723318)",
        ctext="""Hallo,

die Rattan-Hängeleuchte ist angekommen und sieht auch schön aus, aber sie ist deutlich größer als gedacht und passt nicht über unseren Esstisch. Ich möchte sie gern zurückschicken. Bekomme ich von Ihnen ein Rücksendeetikett oder soll ich das selbst frankieren?

Danke und Gruß
Lukas Berger""",
        category="post_sale_seller_fulfilled", lang="de",
        label="L7 MFN shipped, enrolled; order id only in forwarded subject")

    # 08 forward as attachment (Thunderbird), Spanish customer ---------------
    inner = cust_msg(cust=("Lucía Martín", "lucia.martin@hotmail.es"), to=AL_CONTACT[1],
                     t="2026-11-18 20:51:33", subject="Cambio de dirección pedido 302-9031174-2278850",
                     mailer="hotmail", html_alt=True, received_for=AL_CONTACT[1],
                     text="""Hola,

Acabo de hacer el pedido 302-9031174-2278850 (lámpara Mistral) y me he equivocado en la dirección de entrega: puse Schillerstraße 14 y es Schillerstraße 41, 10627 Berlín. ¿Pueden corregirlo antes de enviarlo?

Muchas gracias.
Un saludo,
Lucía Martín""")
    attached("08-atelier-attached-rfc822.eml", seller=AL_CAMILLE, rcpt=DE2DE, t="2026-11-19 08:30:11",
             client="thunderbird", lang_tag="fr", subject="Fwd: Cambio de dirección pedido 302-9031174-2278850",
             note="Bonjour l'équipe,\n\nVoici une demande d'une cliente en espagnol (message joint). La commande n'est pas encore partie.\n\nCamille\n",
             inner=inner, filename="Cambio de dirección pedido 302-9031174-2278850.eml",
             category="post_sale_seller_fulfilled", lang="es", label="L8 MFN Unshipped, enrolled; rfc822 attachment")

    # 09 Thunderbird fr, windows-1252 QP, English customer, boundary order ----
    fwd("09-atelier-thunderbird-fr.eml", style="tb_fr", seller=AL_CAMILLE, rcpt=DE2DE,
        t="2026-11-10 17:25:09", charset="windows-1252", cte="quoted-printable", lang_tag="fr",
        note="Bonsoir,\n\nRéclamation d'un client anglophone, commande passée en juin. Merci de traiter.",
        sig=AL_SIG, cust=("Oliver Grant", "oliver.grant@outlook.com"), cust_to=AL_CAMILLE[1],
        ct="2026-11-10 12:02:55", csubj="Cracked candles in gift box",
        ctext="""Hi there,

I ordered the Provence three-candle gift box back in June (order 302-2245871-6650339) and only opened it now for my mum's birthday. Two of the three jars are cracked right through and wax has leaked all over the inside of the box. It must have happened in transit, the box was never dropped. Could you send a replacement box or at least the two candles?

Thanks,
Oliver""",
        category="post_sale_seller_fulfilled", lang="en",
        label="L3 purchase 2026-06-10T01:30+02:00 = 06-09 23:30Z, before opt-out: covered")

    # 10 server-side auto-forward, SRS envelope at the wildcard domain --------
    inner = cust_msg(cust=("Hélène Garnier", "helene.garnier@orange.fr"), to=AL_CONTACT[1],
                     t="2026-11-14 22:08:41", subject="Bougie défectueuse dans le coffret Provence",
                     mailer="orange", received_for=AL_CONTACT[1],
                     text="""Bonsoir,

Petite réclamation concernant le coffret 3 bougies Provence (commande 302-5521843-0098126, avril dernier). La bougie « Lavande » ne tient plus la flamme : la mèche s'enfonce dans la cire après deux minutes. Les deux autres sont parfaites. Est-ce un défaut connu ? Que me proposez-vous ?

Merci d'avance,
Hélène Garnier""")
    t10 = T("2026-11-14 22:09:15")
    autofwd("10-atelier-autofwd-srs.eml", inner=inner,
            envelope="SRS0=Hq3x=PZ=orange.fr=helene.garnier@atelier-lumiere.eu", rcpt=DE2DE,
            top=[amazon_in(t10, *INFRA["atelier-lumiere.eu"], DE2DE),
                 f"X-Forwarded-For: {AL_CONTACT[1]} {DE2DE}", f"X-Forwarded-To: {DE2DE}",
                 f"Delivered-To: {AL_CONTACT[1]}",
                 f"X-Ovh-Tracer-Id: {R.randint(10**18, 10**19 - 1)}"],
            category="post_sale_seller_fulfilled", lang="fr",
            label="L9 MFN Apr 2026, first enrollment period; SRS envelope @atelier-lumiere.eu")

    # 11 Outlook en, order id only in the forwarded subject --------------------
    fwd("11-hollowoak-outlook-en.eml", style="outlook_en", seller=HO_SUPPORT, rcpt=DE2DE,
        t="2026-11-18 11:47:03", lang_tag="en-GB",
        note="Hi CSBA team,\n\nPlease handle the customer inquiry below.",
        sig=HO_SIG, cust=("Mark Hughes", "mhughes1977@gmail.com"), cust_to=HO_SUPPORT[1],
        ct="2026-11-17 20:13:29", csubj="Order 302-3348120-7712093 - broken pole",
        ctext="""Hello,

First night out with the Trailhead 3 and one of the main poles snapped at the ferrule while pitching - not in wind, just while threading it through the sleeve. The tent is otherwise great. Can you send a replacement pole section? I'm out again in two weeks.

Cheers,
Mark""",
        category="post_sale_seller_fulfilled", lang="en", label="H1 MFN shipped, enrolled; id only in inner subject")

    # 12 Gmail en (Google Workspace), German customer, boundary order ----------
    fwd("12-hollowoak-gmail-en.eml", style="gmail_en", seller=HO_SUPPORT, rcpt=DE2DE,
        t="2026-11-19 15:30:44",
        note="Forwarding to CSBA as agreed - customer writes in German.\n\nTom",
        cust=("Sabine Krüger", "s.krueger@gmx.de"), cust_to=HO_SUPPORT[1], ct="2026-11-19 07:58:12",
        csubj="Reißverschluss Schlafsack defekt",
        ctext="""Hallo Hollow Oak Team,

mein Daunenschlafsack (Bestellnummer 302-4471209-9983412) hat nach der zweiten Nacht einen kaputten Reißverschluss, der Schieber ist abgebrochen und er lässt sich nicht mehr schließen. Bei minus zwei Grad war das ehrlich gesagt kein Spaß. Ich hätte gern einen Ersatz oder mein Geld zurück.

Schöne Grüße aus Freiburg
Sabine Krüger""",
        category="post_sale_seller_fulfilled", lang="de",
        label="H4 purchase 2026-11-02T01:20+01:00 = 11-02 00:20Z: covered (enrolled 11-02)")

    # 13 Apple Mail en, Dutch customer, pending order -----------------------------
    fwd("13-hollowoak-apple-en.eml", style="apple_en", seller=HO_SUPPORT, rcpt=DE2DE,
        t="2026-11-19 12:03:40",
        note="Hi,\n\nCustomer asking about delivery time for an order we haven't shipped yet. Please take over.\n\nThanks\nTom",
        cust=("Daan Visser", "daan.visser@icloud.com"), cust_to=HO_SUPPORT[1], ct="2026-11-19 11:20:15",
        csubj="Levering voor vrijdag?",
        ctext="""Hallo,

Ik heb vanochtend twee TS-1 brandertjes besteld (302-7765120-0034219) maar de bestelling staat nog op 'in behandeling'. Wij vertrekken zaterdag naar de Ardennen. Komt het pakket nog vóór vrijdag aan? Anders annuleer ik liever.

Groetjes,
Daan

Verstuurd vanaf mijn iPhone""",
        category="post_sale_seller_fulfilled", lang="nl", label="H6 MFN Pending, enrolled")

    # 14 Foxmail, GB18030 base64, German customer -----------------------------------
    fwd("14-jinhua-foxmail-gb18030.eml", style="foxmail", seller=JH_LINA, rcpt=CN2DE,
        t="2026-11-11 16:22:08", off=8, charset="GB18030", cte="base64",
        note="您好，\n\n请帮忙处理以下德国客户的售后咨询，谢谢！", sig=JH_SIG,
        cust=("Monika Weber", "monika.weber@web.de"), cust_to=JH_SERVICE[1], ct="2026-11-10 19:40:00",
        csubj="Rost an den Messern",
        ctext="""Sehr geehrtes Jinhua-Team,

an zwei Messern aus dem Damast-Set (Bestellung 302-2290318-6671045) zeigen sich nach drei Wochen Rostflecken an der Klinge, obwohl ich sie nur von Hand spüle und sofort abtrockne. Für ein Set in dieser Preisklasse finde ich das nicht in Ordnung. Ich bitte um Austausch oder Erstattung.

Mit freundlichen Grüßen
Monika Weber""",
        category="post_sale_seller_fulfilled", lang="de", label="J1 MFN shipped, re-enrolled period; GB18030")

    # 15 NetEase (Coremail) 163-style, GBK base64, English customer, boundary ---------
    fwd("15-jinhua-163-gbk.eml", style="163", seller=JH_SERVICE, rcpt=CN2DE,
        t="2026-11-09 10:05:51", off=8, charset="GBK", cte="base64",
        note="CSBA团队您好：\n\n客户反映锅把松动，请协助处理。\n\n锦华厨具客服部",
        cust=("James O'Connor", "j.oconnor@gmail.com"), cust_to=JH_SERVICE[1], ct="2026-11-08 21:17:33",
        csubj="Wok handle loose",
        ctext="""Hi,

The wooden handle on my wok (order 302-6612087-4490321) has come loose after a month. The screw inside just spins now and the wok wobbles when I lift it, which is frankly dangerous with hot oil. Can you send a new handle or replace the wok?

Regards,
James O'Connor""",
        category="post_sale_seller_fulfilled", lang="en",
        label="J4 purchase 2026-10-05T08:10+08:00 = 10-05 00:10Z: covered (re-enrolled 10-05); GBK")

    # 16 Foxmail utf-8, French customer, order placed just before opt-out -------------
    fwd("16-jinhua-foxmail-utf8.eml", style="foxmail", seller=JH_KEVIN, rcpt=CN2DE,
        t="2026-11-05 09:12:27", off=8,
        note="你好，\n\n法国客户的问题，麻烦跟进。\n\nKevin",
        cust=("Nathalie Dubois", "nath.dubois@orange.fr"), cust_to=JH_SERVICE[1], ct="2026-11-04 18:05:40",
        csubj="Bloc magnétique qui ne tient plus",
        ctext="""Bonjour,

J'ai acheté le set de couteaux cet été (commande 302-1187203-5590467). Le bloc magnétique ne tient plus les couteaux : ils glissent et le grand couteau est tombé deux fois, la pointe est abîmée. Pouvez-vous m'envoyer un nouveau bloc ?

Bien à vous,
Nathalie Dubois""",
        category="post_sale_seller_fulfilled", lang="fr",
        label="J5 purchase 2026-07-20T07:30+08:00 = 07-19 23:30Z, before opt-out 07-20: covered")

    # 17 server-side auto-forward (X-Forwarded-For / Delivered-To), Chinese customer ---
    inner = cust_msg(cust=("王芳", "wangfang88@qq.com"), to=JH_SERVICE[1], t="2026-11-13 20:31:10", off=1,
                     subject="炒锅有裂缝，订单 302-4098712-6634519", mailer="qq", received_for=JH_SERVICE[1],
                     text="""您好，

我在德国亚马逊买了你们的炒锅，订单号 302-4098712-6634519。收到后发现锅底有一道明显的裂缝，开火以后还有异响，不敢继续使用。请问可以换一个新的吗？或者退款也可以。

谢谢！
王芳""")
    t17 = T("2026-11-14 03:31:44", 8)
    autofwd("17-jinhua-autofwd-xforwarded.eml", inner=inner, envelope=JH_SERVICE[1], rcpt=CN2DE,
            top=[f"Delivered-To: {CN2DE}", amazon_in(t17, *INFRA["jinhua-kitchen.cn"], CN2DE),
                 f"X-Forwarded-To: {CN2DE}", f"X-Forwarded-For: {JH_SERVICE[1]} {CN2DE}",
                 f"Delivered-To: {JH_SERVICE[1]}"],
            category="post_sale_seller_fulfilled", lang="zh",
            label="J8 MFN shipped, enrolled; auto-forward, customer writes Chinese")

    # 18 Outlook en from a Chinese seller, Polish customer, first period --------
    fwd("18-jinhua-outlook-en.eml", style="outlook_en", seller=JH_KEVIN, rcpt=CN2DE,
        t="2026-11-06 14:48:19", off=8, lang_tag="en-US",
        note="Dear CSBA team,\n\nplease help with the customer below, she writes in Polish.\n\nBest regards\nKevin Wang\nJinhua Kitchenware - Cross-border e-commerce",
        cust=("Katarzyna Wiśniewska", "k.wisniewska@wp.pl"), cust_to=JH_SERVICE[1], ct="2026-11-05 22:10:03",
        csubj="Pęknięty parowar",
        ctext="""Dzień dobry,

w maju kupiłam parowar bambusowy (numer zamówienia 302-8856014-2217936). Po kilku użyciach dolny kosz pękł wzdłuż i rozchodzi się przy każdym gotowaniu. Czy mogę liczyć na wymianę albo zwrot pieniędzy?

Pozdrawiam serdecznie
Katarzyna Wiśniewska""",
        category="post_sale_seller_fulfilled", lang="pl", label="J9 MFN May 2026, first enrollment period")

    # 19 nested: Foxmail forward of a 163 forward of the customer's mail ---------
    t_c = T("2026-11-19 09:41:22")
    cust_block = fwd_header("163", "Marco Rossi", "marco.rossi@gmail.com", JH_SERVICE[1], t_c,
                            "Ordine non ancora spedito") + "\n" + """Salve,

ho ordinato il set di coltelli il 18 novembre (ordine n. 302-0934127-7781024) con consegna prevista entro il 25, ma risulta ancora non spedito. Mi servirebbe assolutamente entro il 28 perché è un regalo. Potete dirmi quando parte? In caso contrario preferirei annullare.

Cordiali saluti,
Marco Rossi
"""
    mid_block = fwd_header("foxmail", "锦华厨具客服", JH_SERVICE[1], JH_LINA[1], T("2026-11-19 17:02:10", 8),
                           "Fw：Ordine non ancora spedito") + "\n" + "娜娜，意大利客户问发货时间，订单还没发，你转给CSBA吧。\n\n" + cust_block
    fwd("19-jinhua-nested.eml", style="foxmail", seller=JH_LINA, rcpt=CN2DE, t="2026-11-19 17:20:45", off=8,
        note="CSBA 您好，\n\n意大利客户询问发货时间，请处理。", sig=JH_SIG, cust=(None, ""), cust_to="", ct="2026-11-19 09:41:22",
        csubj="Ordine non ancora spedito", ctext="", inner_block=mid_block,
        subject="转发：Fw：Ordine non ancora spedito",
        category="post_sale_seller_fulfilled", lang="it",
        label="J10 MFN Unshipped, enrolled; nested forward (Foxmail of 163)")

    # 20 OWA en (Exchange Online), German customer --------------------------------
    fwd("20-pearlriver-owa-en.eml", style="owa_en", seller=PR_OPS, rcpt=CN2DE, t="2026-11-10 09:33:12", off=8,
        lang_tag="en-US", note="Hello,\n\nplease take care of this German customer, hub has HDMI issue.\n\nThanks\nPearl River Ops team",
        cust=("Jürgen Lehmann", "juergen.lehmann@t-online.de"), cust_to=PR_OPS[1], ct="2026-11-09 17:05:48",
        csubj="HDMI funktioniert nicht mehr",
        ctext="""Guten Tag,

der USB-C-Hub aus Bestellung 302-7741290-3356108 gibt seit ein paar Tagen kein Bild mehr über HDMI aus. USB-A und Laden funktionieren noch. Ich habe zwei Monitore und zwei Kabel probiert, an meinem Laptop liegt es nicht. Bitte um Ersatz.

Gruß
J. Lehmann""",
        category="post_sale_seller_fulfilled", lang="de", label="P1 MFN shipped, enrolled")

    # 21 Foxmail English UI, from the wildcard domain, Spanish customer ------------
    fwd("21-pearlriver-foxmail-en.eml", style="foxmail_en", seller=PR_AMY, rcpt=CN2DE,
        t="2026-11-20 10:02:33", off=8,
        note="Hello team,\nplease take over this case. Customer writes in Spanish, power bank swelling.\n\nThanks\nAmy\nPR-Tech Customer Service",
        cust=("Javier Ortega", "javier.ortega@gmail.com"), cust_to=PR_AMY[1], ct="2026-11-19 21:44:10",
        csubj="Batería hinchada",
        ctext="""Hola,

Compré la batería externa de 20000 mAh (pedido 302-2236719-9014562) hace una semana y ya está hinchada, la carcasa se ha abierto un poco por un lado. Me da miedo usarla. ¿Cómo hago la devolución? ¿Me mandan una nueva?

Saludos,
Javier Ortega""",
        category="post_sale_seller_fulfilled", lang="es", label="P2 MFN shipped, enrolled; sender *@pr-tech.com.cn")

    # 22 Outlook "attach as item", French customer ----------------------------------
    inner = cust_msg(cust=("Julien Moreau", "julien.moreau@gmail.com"), to=PR_JASON[1], t="2026-11-19 19:25:00",
                     subject="Ruban LED à moitié éteint", mailer="gmail", html_alt=True, received_for=PR_JASON[1],
                     text="""Bonjour,

J'ai reçu hier le ruban LED de 10 m (commande 302-1145672-9930284). La moitié du ruban reste éteinte, seuls les 5 premiers mètres s'allument, et l'appli ne trouve le contrôleur qu'une fois sur trois. J'ai déjà tout réinitialisé. Pouvez-vous me remplacer le produit ?

Merci,
Julien Moreau""")
    attached("22-pearlriver-attached-outlook.eml", seller=PR_JASON, rcpt=CN2DE, t="2026-11-20 09:11:40", off=8,
             client="outlook", lang_tag="en-US", subject="FW: Ruban LED à moitié éteint",
             note="Hi CSBA,\n\nSee the attached customer mail (French). Please handle.\n\n" + PR_SIG + "\n",
             inner=inner, category="post_sale_seller_fulfilled", lang="fr",
             label="P8 MFN shipped, enrolled; rfc822 attachment")

    # 23 HTML-only OWA forward, English customer ---------------------------------
    T("2026-11-18 08:12:37")
    html23 = """<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style>
</head>
<body dir="ltr">
<div class="elementToProof" style="font-family: Aptos, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">
Hi CSBA team,</div>
<div class="elementToProof" style="font-family: Aptos, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">
<br></div>
<div class="elementToProof" style="font-family: Aptos, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">
Customer says the power bank stopped charging. Please assist.</div>
<div class="elementToProof" style="font-family: Aptos, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">
<br></div>
<div class="elementToProof" style="font-family: Aptos, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">
Regards,<br>Pearl River Ops</div>
<div id="appendonsend"></div>
<hr style="display:inline-block;width:98%" tabindex="-1">
<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>From:</b> Emma Clarke &lt;emma.clarke@hotmail.com&gt;<br>
<b>Sent:</b> Wednesday, November 18, 2026 8:12 AM<br>
<b>To:</b> ops@pearlriver-tech.com &lt;ops@pearlriver-tech.com&gt;<br>
<b>Subject:</b> Power bank not charging</font>
<div>&nbsp;</div>
</div>
<div dir="ltr">
<div>Hello,</div>
<div><br></div>
<div>My PR-Tech power bank (order 302-0078345-2291637) no longer charges at all since last weekend &#8211; the LEDs blink four times and then nothing. It&#39;s only five months old. What can be done?</div>
<div><br></div>
<div>Kind regards,</div>
<div>Emma Clarke</div>
</div>
</body>
</html>
"""
    fwd("23-pearlriver-owa-html-only.eml", style="owa_en", seller=PR_OPS, rcpt=CN2DE, t="2026-11-18 16:40:05", off=8,
        lang_tag="en-US", note="", cust=("Emma Clarke", "emma.clarke@hotmail.com"), cust_to=PR_OPS[1],
        ct="2026-11-18 08:12:37", csubj="Power bank not charging", ctext="", html_body=html23,
        cte="quoted-printable",
        category="post_sale_seller_fulfilled", lang="en", label="P10 MFN June 2026, enrolled; HTML-only body")

    # 24 nested: Outlook de forward of a Gmail de forward ---------------------------
    cust24 = fwd_header("gmail_de", "Heike Brandt", "heike.brandt@gmx.de", KK_INFO[1],
                        T("2026-11-13 16:02:11"), "Entkalker ausgelaufen") + "\n" + """Hallo liebes Kaffeekontor,

der Entkalker (Bestellung 302-6604127-8890231) kam ausgelaufen an, eine der drei Flaschen war offen, der Deckel ist gerissen und der Karton war durchgeweicht. Die anderen zwei sind ok. Können Sie mir eine Flasche nachschicken?

LG Heike Brandt
"""
    mid24 = fwd_header("outlook_de", "Jana Brenner | Kaffeekontor", KK_INFO[1], KK_SERVICE[1],
                       T("2026-11-13 16:30:40"), "Fwd: Entkalker ausgelaufen") + "\n" + \
        "Kannst du das bitte an CSBA geben? Ich bin ab morgen im Urlaub.\n\nJana\n\n" + cust24
    fwd("24-kaffeekontor-nested.eml", style="outlook_de", seller=KK_SERVICE, rcpt=DE2DE, t="2026-11-14 08:10:02",
        note="Guten Morgen,\n\nbitte die Anfrage unten übernehmen (intern weitergeleitet).\n\nTeam Kundenservice",
        cust=(None, ""), cust_to="", ct="2026-11-13 16:02:11", csubj="", ctext="", inner_block=mid24,
        subject="WG: Fwd: Entkalker ausgelaufen",
        category="post_sale_seller_fulfilled", lang="de", label="K11 MFN shipped, enrolled; nested forward")


def build_out_of_scope_orders() -> None:
    # ======================= pre_sale ========================================
    fwd("25-kaffeekontor-outlook-de-presale.eml", style="outlook_de", seller=KK_SERVICE, rcpt=DE2DE,
        t="2026-11-16 10:21:30", note="Hallo,\n\nzur Info bzw. Übernahme.", sig=KK_SIG,
        cust=("Frank Meier", "frank.meier@web.de"), cust_to=KK_SERVICE[1], ct="2026-11-15 20:55:02",
        csubj="KM-60 wieder lieferbar?",
        ctext="""Hallo,

ist die Kegelmahlwerk-Mühle KM-60 bald wieder lieferbar? Auf Amazon steht seit zwei Wochen "Derzeit nicht verfügbar". Gibt es die auch in Schwarz? Ich würde sie gerne meinem Bruder zu Weihnachten schenken und müsste dann bald bestellen.

Danke vorab und schönen Sonntag
Frank Meier""",
        category="pre_sale", lang="de", label="availability question, no order yet")

    fwd("26-atelier-gmail-fr-presale.eml", style="gmail_fr", seller=AL_CONTACT, rcpt=DE2DE,
        t="2026-11-17 11:05:00", note="Bonjour,\n\nPouvez-vous répondre à cette cliente ? Merci.",
        cust=("Sophie Laurent", "sophie.laurent@gmail.com"), cust_to=AL_CONTACT[1], ct="2026-11-17 08:47:19",
        csubj="Question sur la lampe Mistral",
        ctext="""Bonjour,

Avant de commander la lampe Mistral, pourriez-vous m'indiquer la hauteur exacte avec l'abat-jour et la longueur du câble ? Est-elle compatible avec une ampoule LED à variateur ? J'hésite aussi avec la version en noir si elle existe.

Merci beaucoup,
Sophie""",
        category="pre_sale", lang="fr", label="product question before buying")

    fwd("27-hollowoak-apple-en-presale.eml", style="apple_en", seller=HO_SUPPORT, rcpt=DE2DE,
        t="2026-11-18 09:12:50", note="FYI - forwarding to CSBA.\n\nTom",
        cust=("Femke Jansen", "femke.jansen@ziggo.nl"), cust_to=HO_SUPPORT[1], ct="2026-11-17 22:31:04",
        csubj="Vraag over Trailhead 3",
        ctext="""Beste,

Is de Trailhead 3 tent ook in het groen verkrijgbaar? En passen er echt drie volwassenen in, met bagage in de voortent? Ik twijfel nog tussen deze en de Trailhead 4 en wil voor het weekend bestellen.

Alvast bedankt,
Femke Jansen""",
        category="pre_sale", lang="nl", label="question before buying (colour, capacity)")

    fwd("28-jinhua-foxmail-gb18030-presale.eml", style="foxmail", seller=JH_LINA, rcpt=CN2DE,
        t="2026-11-12 15:40:00", off=8, charset="GB18030", cte="base64",
        note="您好，\n\n客户咨询，请处理。", sig=JH_SIG,
        cust=("Andreas Schmitt", "a.schmitt@gmx.de"), cust_to=JH_SERVICE[1], ct="2026-11-11 21:03:45",
        csubj="Frage zum Messerset",
        ctext="""Guten Abend,

gibt es das Damast-Messerset auch als 8-teiliges Set mit Brotmesser? Und kann man den Magnetblock auch einzeln kaufen? Ich überlege, das Set zu bestellen, möchte aber vorher wissen, ob später Ergänzungen möglich sind.

Viele Grüße
Andreas Schmitt""",
        category="pre_sale", lang="de", label="question before buying; GB18030")

    fwd("29-pearlriver-owa-preorder.eml", style="owa_en", seller=PR_OPS, rcpt=CN2DE, t="2026-11-20 08:40:21", off=8,
        lang_tag="en-US", note="Hi,\n\ncustomer question about the PR-Hub 9 Pro, please handle.\n\nOps",
        cust=("Stefan Wagner", "stefan.wagner@gmail.com"), cust_to=PR_OPS[1], ct="2026-11-19 23:15:50",
        csubj="Vorbestellung PR-Hub 9 Pro",
        ctext="""Hallo,

ich habe den PR-Hub 9 Pro vorbestellt (Bestellung 302-6601284-3390457). Wissen Sie schon, ob der Erscheinungstermin am 10. Dezember hält? Und wird er mit Netzteil geliefert oder muss ich das separat kaufen?

Beste Grüße
Stefan Wagner""",
        category="pre_sale", lang="de",
        label="P5 pre-order of item released 2026-12-10: pre_sale even with an order id")

    fwd("30-pearlriver-thunderbird-en-presale.eml", style="tb_en", seller=PR_JASON, rcpt=CN2DE,
        t="2026-11-14 10:30:15", off=8, lang_tag="en-US",
        note="Hello,\n\nItalian customer question, forwarding to you.", sig=PR_SIG,
        cust=("Francesca Greco", "francesca.greco@libero.it"), cust_to=PR_JASON[1], ct="2026-11-13 14:22:09",
        csubj="PR-Hub 9 Pro disponibilità",
        ctext="""Buongiorno,

vorrei sapere quando sarà disponibile il PR-Hub 9 Pro su Amazon.de e se è compatibile con il MacBook Air M2 (due monitor esterni?). Posso già prenotarlo adesso oppure devo aspettare l'uscita?

Grazie,
Francesca Greco""",
        category="pre_sale", lang="it", label="pre-order/availability question, no order")

    inner = cust_msg(cust=("Ben Carter", "ben@littlewren.coffee"), to=KK_SERVICE[1], t="2026-11-18 15:02:44",
                     subject="Wholesale price for Espresso Classico?", mailer="gmail", html_alt=True,
                     received_for=KK_SERVICE[1],
                     text="""Hi there,

We're a small café in Berlin-Neukölln and I'm thinking about switching to your Espresso Classico. Before I order on Amazon: is there a better price if we take 10 kg a month, and could you ship the 1 kg bags in one carton? Also, how fresh is the roast usually when it leaves you?

Thanks a lot,
Ben Carter
Little Wren Coffee""")
    t31 = T("2026-11-18 15:03:20")
    autofwd("31-kaffeekontor-autofwd-presale.eml", inner=inner, envelope=KK_SERVICE[1], rcpt=DE2DE,
            top=[amazon_in(t31, *INFRA["kaffeekontor-brenner.de"], DE2DE),
                 f"Resent-From: {KK_SERVICE[1]}", f"Resent-Date: {rfcdate(t31)}",
                 f"Resent-To: {DE2DE}", f"Resent-Message-ID: {msgid('plain', 'kaffeekontor-brenner.de')}"],
            category="pre_sale", lang="en", label="price/bulk question before buying; auto-forward")

    fwd("32-jinhua-163-utf8-presale.eml", style="163", seller=JH_SERVICE, rcpt=CN2DE, t="2026-11-16 09:55:10",
        off=8, charset="utf-8", cte="base64",
        note="您好：\n\n波兰客户咨询，请协助回复。", cust=("Piotr Kowalski", "piotr.kowalski@wp.pl"),
        cust_to=JH_SERVICE[1], ct="2026-11-15 19:44:27", csubj="Pytanie o wok 32 cm",
        ctext="""Dzień dobry,

czy wok 32 cm nadaje się na płytę indukcyjną i czy jest już sezonowany, czy muszę go najpierw wypalić? Zastanawiam się nad zakupem dwóch sztuk na prezent.

Pozdrawiam
Piotr Kowalski""",
        category="pre_sale", lang="pl", label="question before buying")

    # ======================= amazon_fulfilled =================================
    fwd("33-kaffeekontor-gmail-de-afn.eml", style="gmail_de", seller=KK_INFO, rcpt=DE2DE, t="2026-11-17 13:05:44",
        note="Bitte übernehmen.\n\nJana",
        cust=("Thomas Richter", "thomas.richter@gmail.com"), cust_to=KK_INFO[1], ct="2026-11-17 12:40:19",
        csubj="Paket nicht angekommen",
        ctext="""Hallo,

laut Sendungsverfolgung wurde meine Bestellung 028-5531907-4478213 am Freitag zugestellt, bei mir ist aber nichts angekommen, auch nicht bei den Nachbarn. Können Sie das bitte prüfen und die Bohnen nochmal schicken?

Gruß Thomas Richter""",
        category="amazon_fulfilled", lang="de", label="K4 fulfillment-channel Amazon")

    fwd("34-kaffeekontor-outlook-de-afn.eml", style="outlook_de", seller=KK_SERVICE, rcpt=DE2DE,
        t="2026-11-13 08:50:12", note="Hallo CSBA,\n\nKundin schreibt auf Französisch, bitte übernehmen.", sig=KK_SIG,
        cust=("Claire Bernard", "claire.bernard@orange.fr"), cust_to=KK_SERVICE[1], ct="2026-11-12 19:30:55",
        csubj="Café trop vieux",
        ctext="""Bonjour,

Le café que j'ai reçu (commande 303-7781253-1146630) a une date de torréfaction d'il y a huit mois, il n'a plus aucun goût. Pour un café vendu comme « fraîchement torréfié » c'est décevant. Je souhaite un remboursement ou un paquet plus récent.

Cordialement,
Claire Bernard""",
        category="amazon_fulfilled", lang="fr", label="K9 fulfillment-channel Amazon")

    fwd("35-atelier-outlook-fr-afn.eml", style="outlook_fr", seller=AL_CONTACT, rcpt=DE2DE, t="2026-11-05 14:10:33",
        lang_tag="fr-FR", note="Bonjour,\n\nPour traitement svp.", sig=AL_SIG,
        cust=("Alessandro Conti", "a.conti@libero.it"), cust_to=AL_CONTACT[1], ct="2026-11-04 20:12:07",
        csubj="Candela arrivata rotta",
        ctext="""Buonasera,

la candela Fico e Cedro dell'ordine 305-8812207-1190463 è arrivata con il vasetto di vetro rotto, pieno di schegge. Non è utilizzabile. Vorrei la sostituzione o il rimborso.

Cordiali saluti
Alessandro Conti""",
        category="amazon_fulfilled", lang="it", label="L6 fulfillment-channel Amazon")

    fwd("36-hollowoak-gmail-en-afn.eml", style="gmail_en", seller=HO_RETURNS, rcpt=DE2DE, t="2026-11-16 17:20:00",
        note="Return request below - please handle.",
        cust=("Rachel Adams", "rachel.adams@gmail.com"), cust_to=HO_RETURNS[1], ct="2026-11-16 16:45:31",
        csubj="Return - tent too small",
        ctext="""Hi,

I'd like to return the Trailhead 3 from order 306-2209871-3345128. It's a nice tent but honestly too tight for three of us with a dog. It's unused, only pitched once in the garden. How do I send it back?

Best,
Rachel""",
        category="amazon_fulfilled", lang="en", label="H5 fulfillment-channel Amazon")

    fwd("37-jinhua-foxmail-utf8-afn.eml", style="foxmail", seller=JH_LINA, rcpt=CN2DE, t="2026-11-08 10:10:10", off=8,
        note="您好，\n\n请处理这位德国客户的问题。", sig=JH_SIG,
        cust=("Michael Zimmermann", "m.zimmermann@t-online.de"), cust_to=JH_SERVICE[1], ct="2026-11-07 18:22:36",
        csubj="Messer fehlt im Set",
        ctext="""Guten Tag,

in meinem Messerset (Bestellnummer 304-7703418-2256981) fehlt das Schälmesser, im Block ist der Platz leer. Die Verpackung war original verschlossen. Bitte schicken Sie mir das fehlende Messer.

Mit freundlichen Grüßen
Michael Zimmermann""",
        category="amazon_fulfilled", lang="de", label="J7 fulfillment-channel Amazon")

    fwd("38-pearlriver-owa-afn.eml", style="owa_en", seller=PR_OPS, rcpt=CN2DE, t="2026-11-06 11:35:48", off=8,
        lang_tag="en-US", note="Please handle, Dutch customer.",
        cust=("Lotte Bakker", "lotte.bakker@gmail.com"), cust_to=PR_OPS[1], ct="2026-11-05 20:09:14",
        csubj="Afstandsbediening ontbreekt",
        ctext="""Hoi,

In de doos van de LED-strips (bestelling 302-5519034-7728816) zat geen afstandsbediening, terwijl die wel op de foto staat. De app werkt wel, maar ik wil graag de afstandsbediening alsnog ontvangen.

Groet,
Lotte Bakker""",
        category="amazon_fulfilled", lang="nl", label="P3 fulfillment-channel Amazon")

    inner = cust_msg(cust=("Nina Schröder", "nina.schroeder@web.de"), to=PR_OPS[1], t="2026-11-12 07:45:02",
                     subject="Powerbank lädt nicht", mailer="webde", received_for=PR_OPS[1],
                     text="""Guten Morgen,

meine Powerbank aus der Bestellung 302-8812904-4456713 lädt weder mein Handy noch sich selbst, die Anzeige bleibt bei 0 %. Sie ist zwei Wochen alt. Was kann ich tun?

Viele Grüße
Nina Schröder""")
    t39 = T("2026-11-12 14:45:40", 8)
    autofwd("39-pearlriver-autofwd-afn.eml", inner=inner, envelope=PR_OPS[1], rcpt=CN2DE,
            top=[amazon_in(t39, *INFRA["pearlriver-tech.com"], CN2DE), f"Resent-From: {PR_OPS[1]}",
                 f"Resent-To: {CN2DE}", f"Resent-Date: {rfcdate(t39)}",
                 f"Resent-Message-ID: {msgid('exchange', '')}"],
            category="amazon_fulfilled", lang="de", label="P7 fulfillment-channel Amazon; auto-forward")

    # ======================= not_covered ======================================
    fwd("40-kaffeekontor-outlook-de-before.eml", style="outlook_de", seller=KK_SERVICE, rcpt=DE2DE,
        t="2026-11-11 09:30:00", charset="iso-8859-1", cte="quoted-printable",
        note="Hallo,\n\nbitte übernehmen, danke.", sig=KK_SIG,
        cust=("Ursula Becker", "ursula.becker@gmx.de"), cust_to=KK_SERVICE[1], ct="2026-11-10 17:12:44",
        csubj="Tamper Griff lose",
        ctext="""Hallo zusammen,

an meinem Tamper aus Nussbaum (Bestellung 302-9904412-3318856 vom Oktober letzten Jahres) hat sich der Holzgriff vom Metallteil gelöst, er dreht sich nur noch. Kann man das reparieren oder bekomme ich einen neuen?

Grüße
Ursula Becker""",
        category="not_covered", lang="de", label="K5 MFN placed 2025-10-21, before enrollment 2025-11-03")

    fwd("41-kaffeekontor-apple-de-boundary.eml", style="apple_de", seller=KK_INFO, rcpt=DE2DE, t="2026-11-09 10:44:12",
        note="Bitte an CSBA, danke!\n\nJana",
        cust=("Wolfgang Braun", "w.braun@t-online.de"), cust_to=KK_INFO[1], ct="2026-11-08 16:03:27",
        csubj="Espresso ranzig",
        ctext="""Sehr geehrte Damen und Herren,

ich habe letztes Jahr im November Ihren Espresso Classico bestellt (302-2268410-7745129) und die Packung erst jetzt geöffnet, weil ich noch Vorrat hatte. Das Ventil war undicht und die Bohnen riechen ranzig. Das Mindesthaltbarkeitsdatum ist noch nicht erreicht. Ich bitte um Ersatz.

Mit freundlichen Grüßen
Wolfgang Braun""",
        category="not_covered", lang="de",
        label="K6 purchase 2025-11-03T00:30+01:00 = 11-02 23:30Z, day before enrollment")

    fwd("42-atelier-gmail-fr-gap.eml", style="gmail_fr", seller=AL_CAMILLE, rcpt=DE2DE, t="2026-11-03 15:15:15",
        note="Bonjour,\n\nRéclamation ci-dessous, merci de la prendre en charge.\n\nCamille",
        cust=("Pierre Fontaine", "pierre.fontaine@gmail.com"), cust_to=AL_CAMILLE[1], ct="2026-11-02 21:47:09",
        csubj="Suspension rotin qui se défait",
        ctext="""Bonjour,

La suspension en rotin achetée cet été (commande 302-6674310-8812045) commence à se défaire : plusieurs brins se sont détachés en bas et on voit le fil de fer. Elle a à peine quatre mois. Que pouvez-vous faire ?

Pierre Fontaine""",
        category="not_covered", lang="fr", label="L2 MFN placed 2026-07-15, opt-out gap")

    fwd("43-atelier-outlook-fr-gapboundary.eml", style="outlook_fr", seller=AL_CONTACT, rcpt=DE2DE,
        t="2026-11-06 09:20:41", charset="iso-8859-1", cte="quoted-printable", lang_tag="fr-FR",
        note="Bonjour,\n\nCliente allemande, lampe défectueuse. Merci.", sig=AL_SIG,
        cust=("Katrin Wolf", "katrin.wolf@web.de"), cust_to=AL_CONTACT[1], ct="2026-11-05 22:30:18",
        csubj="Lampe flackert",
        ctext="""Hallo,

meine Mistral-Lampe (Bestellung 302-7718260-4401287, in der Nacht zum 1. September bestellt) flackert seit ein paar Tagen, auch mit neuer Glühbirne. Der Schalter wird außerdem sehr warm. Ich hätte gern eine neue Lampe oder das Geld zurück.

Viele Grüße
Katrin Wolf""",
        category="not_covered", lang="de",
        label="L4 purchase 2026-09-01T01:15+02:00 = 08-31 23:15Z, still in gap (re-enrolled 09-01)")

    fwd("44-hollowoak-outlook-en-before.eml", style="outlook_en", seller=HO_RETURNS, rcpt=DE2DE,
        t="2026-11-12 16:05:10", lang_tag="en-GB", note="Hi,\n\nplease handle.", sig=HO_SIG,
        cust=("George Miller", "george.miller@outlook.com"), cust_to=HO_RETURNS[1], ct="2026-11-12 09:31:58",
        csubj="Sleeping bag losing down",
        ctext="""Hello,

The down sleeping bag I bought in October (order 302-1109876-4452310) is losing feathers through the seams, after three nights there's down all over the tent. Could I get it exchanged?

Thanks,
George Miller""",
        category="not_covered", lang="en", label="H2 MFN placed 2026-10-19, before enrollment 2026-11-02")

    fwd("45-hollowoak-gmail-en-boundary.eml", style="gmail_en", seller=HO_SUPPORT, rcpt=DE2DE, t="2026-11-18 10:12:30",
        note="Another one for CSBA (Spanish).",
        cust=("Carmen Ruiz", "carmen.ruiz@gmail.com"), cust_to=HO_SUPPORT[1], ct="2026-11-17 22:04:41",
        csubj="El hornillo no enciende",
        ctext="""Hola,

El hornillo de titanio que pedí (pedido 302-6678342-1120987) no enciende: el gas sale pero el encendedor piezoeléctrico no hace chispa. Lo he probado con dos cartuchos nuevos. ¿Me pueden mandar uno que funcione?

Gracias,
Carmen Ruiz""",
        category="not_covered", lang="es",
        label="H3 purchase 2026-11-02T00:45+01:00 = 11-01 23:45Z, before enrollment 11-02")

    fwd("46-jinhua-163-utf8-gap.eml", style="163", seller=JH_SERVICE, rcpt=CN2DE, t="2026-11-10 11:11:11", off=8,
        charset="utf-8", cte="base64", note="您好：\n\n德国客户投诉炒锅生锈，请处理。",
        cust=("Jan Hartmann", "jan.hartmann@gmx.de"), cust_to=JH_SERVICE[1], ct="2026-11-09 20:00:30",
        csubj="Wok rostet",
        ctext="""Hallo,

mein Wok aus Bestellung 302-9912056-3378410 rostet trotz Einbrennen und Einölen an mehreren Stellen, vor allem am Rand. Ich habe ihn Ende August gekauft. Ist das normal? Ich hätte gern Ersatz.

Gruß, Jan""",
        category="not_covered", lang="de", label="J2 MFN placed 2026-08-25, opt-out gap")

    fwd("47-jinhua-foxmail-gb18030-boundary.eml", style="foxmail", seller=JH_KEVIN, rcpt=CN2DE,
        t="2026-11-15 10:20:20", off=8, charset="GB18030", cte="base64",
        note="你好，\n\n客户的蒸笼有问题，请跟进。\n\nKevin",
        cust=("Priya Sharma", "priya.sharma@gmail.com"), cust_to=JH_SERVICE[1], ct="2026-11-14 19:05:45",
        csubj="Steamer lid warped",
        ctext="""Hello,

The lid of the bamboo steamer (order 302-5567129-1102398) has warped so badly that it doesn't close anymore, steam escapes everywhere. I've only used it four or five times. Could you please replace the lid?

Thank you,
Priya Sharma""",
        category="not_covered", lang="en",
        label="J3 purchase 2026-10-05T07:40+08:00 = 10-04 23:40Z, gap (re-enrolled 10-05)")

    fwd("48-pearlriver-owa-boundary.eml", style="owa_en", seller=PR_OPS, rcpt=CN2DE, t="2026-11-04 15:00:00", off=8,
        lang_tag="en-US", note="Please handle, Spanish customer.",
        cust=("Miguel Torres", "miguel.torres@hotmail.es"), cust_to=PR_OPS[1], ct="2026-11-03 18:45:12",
        csubj="Hub USB-C se calienta",
        ctext="""Buenas tardes:

El hub USB-C del pedido 302-4420918-7765302, comprado en enero, se calienta muchísimo y desconecta el disco externo cada pocos minutos. ¿Tiene garantía todavía? ¿Qué tengo que hacer?

Un saludo,
Miguel Torres""",
        category="not_covered", lang="es",
        label="P9 purchase 2026-01-10T07:55+08:00 = 01-09 23:55Z, before enrollment 01-10")

    # ======================= invoice (config rule) ==============================
    fwd("49-kaffeekontor-outlook-de-invoice.eml", style="outlook_de", seller=KK_SERVICE, rcpt=DE2DE,
        t="2026-11-10 08:30:45", note="Hallo,\n\nbitte übernehmen.", sig=KK_SIG,
        cust=("Dr. Andrea Keller", "a.keller@kanzlei-keller.de"), cust_to=KK_SERVICE[1], ct="2026-11-09 18:15:20",
        csubj="Beleg für Espressomühle",
        ctext="""Sehr geehrte Damen und Herren,

für die im September gekaufte Espressomühle (Bestellung 304-6652018-9920471) benötige ich für meine Kanzlei eine ordentliche Rechnung mit ausgewiesener MwSt. und unserer Firmenanschrift (Kanzlei Dr. Keller, Lindenstraße 7, 50674 Köln). In meinem Amazon-Konto finde ich nur eine Bestellbestätigung.

Mit freundlichen Grüßen
Dr. Andrea Keller""",
        category="invoice", lang="de", label="K7 covered order, but invoice request (rule before order checks)")

    fwd("50-atelier-gmail-fr-invoice-gap.eml", style="gmail_fr", seller=AL_CONTACT, rcpt=DE2DE, t="2026-11-12 10:01:30",
        note="Bonjour,\n\nPour info / traitement.",
        cust=("Bruno Petit", "bruno.petit@orange.fr"), cust_to=AL_CONTACT[1], ct="2026-11-11 17:33:21",
        csubj="Demande de facture",
        ctext="""Bonjour,

Pourriez-vous m'envoyer une facture pour ma commande 302-8890412-6613370 (3 bougies Figue & Cèdre, août) ? J'en ai besoin pour ma note de frais, avec le détail de la TVA si possible.

Merci d'avance,
Bruno Petit""",
        category="invoice", lang="fr", label="L11 gap order, but invoice rule comes before the order checks")

    fwd("51-hollowoak-apple-en-invoice.eml", style="apple_en", seller=HO_SUPPORT, rcpt=DE2DE, t="2026-11-17 14:14:14",
        note="Forwarding.\n\nTom",
        cust=("Oliver Bennett", "oliver.bennett@icloud.com"), cust_to=HO_SUPPORT[1], ct="2026-11-17 12:05:53",
        csubj="VAT invoice needed",
        ctext="""Hi,

I bought the Trailhead 3 for our scout group (order 302-8123904-5567801). Our treasurer needs a proper invoice showing the VAT and the group's name, "1st Hamburg International Scouts". Can you issue one?

Many thanks,
Oliver Bennett""",
        category="invoice", lang="en", label="H7 covered order; invoice request")

    fwd("52-jinhua-foxmail-zh-invoice.eml", style="foxmail", seller=JH_LINA, rcpt=CN2DE, t="2026-11-14 09:09:09", off=8,
        note="您好，\n\n客户需要开票，请处理。", sig=JH_SIG,
        cust=("刘洋", "liuyang.de@qq.com"), cust_to=JH_SERVICE[1], ct="2026-11-13 21:40:00",
        csubj="申请发票",
        ctext="""你好，

我在亚马逊德国站买了一个竹蒸笼，订单号 302-5012386-9947260。公司报销需要发票，麻烦开一张带税号的电子发票，抬头：柏林华信贸易有限公司。

谢谢！
刘洋""",
        category="invoice", lang="zh", label="J13 covered order; 发票 (invoice) request")

    fwd("53-pearlriver-owa-invoice.eml", style="owa_en", seller=PR_OPS, rcpt=CN2DE, t="2026-11-02 10:45:30", off=8,
        lang_tag="en-US", note="Hi team, please see below.",
        cust=("Laura Fischer", "laura.fischer@fischer-design.de"), cust_to=PR_OPS[1], ct="2026-11-01 16:20:12",
        csubj="Invoice for charger order",
        ctext="""Hello,

could you please send me an invoice for order 302-3378125-6609843 (GaN charger 140 W)? I need it with my company's VAT number DE298765432 for the books. The document in my Amazon account only shows my private address.

Thank you and best regards,
Laura Fischer
Fischer Design Studio""",
        category="invoice", lang="en", label="P6 covered order; invoice request")

    # ======================= customization (config rule) ========================
    fwd("54-atelier-outlook-fr-gravure.eml", style="outlook_fr", seller=AL_CAMILLE, rcpt=DE2DE, t="2026-11-08 11:00:03",
        lang_tag="fr-FR", note="Bonjour,\n\nMerci de voir avec la cliente.", sig=AL_SIG,
        cust=("Élodie Marchand", "elodie.marchand@gmail.com"), cust_to=AL_CAMILLE[1], ct="2026-11-07 20:18:44",
        csubj="Erreur sur la lanterne",
        ctext="""Bonjour,

J'ai reçu la lanterne commandée pour la naissance de mon neveu (commande 302-6120984-3371155), mais la gravure comporte une faute : « Mathys » au lieu de « Mathis ». J'avais pourtant bien écrit le prénom dans le champ prévu. Pouvez-vous en refaire une ?

Merci,
Élodie Marchand""",
        category="customization", lang="fr", label="L10 covered order; engraving (gravure) = customization rule")

    fwd("55-jinhua-foxmail-gb18030-gravur.eml", style="foxmail", seller=JH_LINA, rcpt=CN2DE, t="2026-11-04 16:16:16", off=8,
        charset="GB18030", cte="base64", note="您好，\n\n刻字有问题的客户，请处理。", sig=JH_SIG,
        cust=("Christina Vogel", "c.vogel@web.de"), cust_to=JH_SERVICE[1], ct="2026-11-03 19:50:29",
        csubj="Falsche Gravur auf dem Schneidebrett",
        ctext="""Hallo,

auf dem Schneidebrett aus Bestellung 302-6651298-0043187 steht "Familie Vogl" statt "Familie Vogel". Die Gravur ist ansonsten sehr schön, aber so kann ich es nicht verschenken. Können Sie ein neues Brett mit dem richtigen Namen schicken?

Liebe Grüße
Christina Vogel""",
        category="customization", lang="de", label="J11 covered order; Gravur = customization rule")

    fwd("56-kaffeekontor-gmail-de-gravur-presale.eml", style="gmail_de", seller=KK_INFO, rcpt=DE2DE,
        t="2026-11-18 16:40:00", note="Könnt ihr das beantworten?\n\nJana",
        cust=("Lena Schulte", "lena.schulte@gmx.de"), cust_to=KK_INFO[1], ct="2026-11-18 14:12:05",
        csubj="Aromadose mit Namen?",
        ctext="""Hallo,

kann man die Aromadose aus Edelstahl auch mit Gravur bestellen, zum Beispiel mit einem Namen oder einem kurzen Spruch? Wenn ja, würde ich gleich drei Stück als Weihnachtsgeschenke nehmen.

Liebe Grüße
Lena""",
        category="customization", lang="de",
        label="pre-sale question but 'Gravur': rules (step 5) come before pre_sale (step 6)")

    fwd("57-hollowoak-outlook-en-engraving.eml", style="outlook_en", seller=HO_SUPPORT, rcpt=DE2DE,
        t="2026-11-19 09:45:27", lang_tag="en-GB", note="Hi,\n\nplease handle.", sig=HO_SIG,
        cust=("Amelia Wright", "amelia.wright@gmail.com"), cust_to=HO_SUPPORT[1], ct="2026-11-18 21:02:14",
        csubj="Wrong name on mugs",
        ctext="""Hello,

The two enamel mugs from order 302-9913402-6687120 arrived today, but the engraving on one says "Jon" instead of "John". I double-checked my order and I typed it correctly. Could you redo that mug please?

Thanks,
Amelia""",
        category="customization", lang="en", label="H9 covered order; engraving = customization rule")


INFRA.update({
    "shop.kaffeekontor-brenner.de.evil.com": ("vps-7f3a2c.evil.com", "45.137.21.88"),
    "jinhua-kitchen.cn-mail.com": ("smtp.jinhua-kitchen.cn-mail.com", "103.151.228.14"),
    "eu.jinhua-kitchen.cn": ("mail.eu.jinhua-kitchen.cn", "156.236.71.20"),
    "mail.pr-tech.com.cn": ("mail.pr-tech.com.cn", "47.106.13.77"),
})


def direct(fname: str, *, frm: tuple[str | None, str], to: str, t: str, off: float = 1, subject: str,
           text: str | None = None, client: str = "outlook", charset: str = "utf-8", cte: str = "8bit",
           extra: list[str] | None = None, envelope: str | None = None, rcpt: str, category: str,
           lang: str, label: str, lang_tag: str = "de-DE", part: str | None = None,
           via: tuple[str, str] | None = None, html_alt: bool = False, mid: str | None = None,
           cc: str | None = None) -> None:
    """A message written directly (no forward): seller questions, strangers, automatic mail."""
    name, a = frm
    tt = T(t, off)
    dom = a.split("@")[1] if a else "localhost"
    host, ip = via or INFRA.get(dom, ("mail." + dom, "198.51.100." + str(R.randint(2, 250))))
    kind = {"outlook": "outlook", "exchange": "exchange", "gmail": "gmail", "apple": "apple",
            "thunderbird": "thunderbird", "foxmail": "foxmail", "coremail": "coremail"}.get(client, "plain")
    gb = charset.lower().startswith("gb")
    hs = [amazon_in(tt, host, ip, rcpt),
          f"From: {addr(name, a, charset if gb else 'utf-8')}", f"To: {to}"] + \
         ([f"Cc: {cc}"] if cc else []) + \
         [f"Subject: {ehdr(subject, charset if gb else 'utf-8')}", f"Date: {rfcdate(tt)}",
          f"Message-ID: {mid or msgid(kind, dom)}"] + client_headers(client, lang_tag) + (extra or []) + \
         [mime_version(client)]
    if part is None:
        if html_alt:
            part = multipart("alternative", [leaf(text, "plain", charset, cte),
                                             leaf(text_to_html(text), "html", charset, cte)])
        else:
            part = leaf(text, "plain", charset, cte)
    register(fname, assemble(hs, part), a if envelope is None else envelope, rcpt, category, lang, label)


def build_rest() -> None:
    # ======================= order_unknown ======================================
    fwd("58-kaffeekontor-outlook-de-noid.eml", style="outlook_de", seller=KK_SERVICE, rcpt=DE2DE,
        t="2026-11-19 13:10:50", note="Hallo,\n\nbitte übernehmen. Eine Bestellnummer hat der Kunde leider nicht genannt.",
        sig=KK_SIG, cust=("Markus Fuchs", "markus.fuchs@web.de"), cust_to=KK_SERVICE[1], ct="2026-11-19 10:02:33",
        csubj="Kaffee schmeckt verbrannt",
        ctext="""Moin,

ich hab letzte Woche zwei Kilo Espresso bei euch über Amazon bestellt. Der schmeckt total verbrannt und bitter, ganz anders als die Packung davor. Die Bestellnummer finde ich gerade nicht, bin unterwegs. Könnt ihr mir trotzdem helfen? Am liebsten Geld zurück.

Gruß
Markus""",
        category="order_unknown", lang="de", label="post-sale complaint, no order id")

    fwd("59-atelier-gmail-fr-foreignid.eml", style="gmail_fr", seller=AL_CONTACT, rcpt=DE2DE, t="2026-11-18 09:30:00",
        note="Bonjour,\n\nJe ne retrouve pas cette commande chez nous, pouvez-vous voir ?",
        cust=("Isabelle Girard", "isabelle.girard@orange.fr"), cust_to=AL_CONTACT[1], ct="2026-11-17 18:40:27",
        csubj="Commande jamais reçue",
        ctext="""Bonjour,

Ma commande 302-2290318-6671045 n'est toujours pas arrivée alors que le suivi indique « livré » depuis le 25 octobre. Je n'ai rien reçu, ni en boîte aux lettres ni chez le gardien. Merci de me renvoyer le colis ou de me rembourser.

Isabelle Girard""",
        category="order_unknown", lang="fr",
        label="order id belongs to A6JINHUAKITCHEN (J1), not to this seller")

    fwd("60-hollowoak-apple-en-noid.eml", style="apple_en", seller=HO_SUPPORT, rcpt=DE2DE, t="2026-11-17 19:22:10",
        note="For CSBA - no order number given.\n\nTom",
        cust=("Ryan Cooper", "ryan.cooper@icloud.com"), cust_to=HO_SUPPORT[1], ct="2026-11-17 18:55:03",
        csubj="Stove leaking gas!",
        ctext="""Hi,

The titanium stove I got from you smells of gas at the connection to the cartridge, you can hear it hiss. I tried two cartridges. I'm not using it again until you tell me what to do. Bought it on Amazon a couple of weeks ago, can't find the order email right now.

Ryan""",
        category="order_unknown", lang="en", label="post-sale complaint, no order id")

    fwd("61-jinhua-foxmail-foreignid.eml", style="foxmail", seller=JH_SERVICE, rcpt=CN2DE, t="2026-11-16 11:30:30", off=8,
        note="您好，\n\n客户说锅有凹痕，请处理。",
        cust=("Tom Baker", "tom.baker@gmail.com"), cust_to=JH_SERVICE[1], ct="2026-11-15 20:11:42",
        csubj="Dented wok",
        ctext="""Hello,

My order 302-2236719-9014562 arrived today and the wok has a big dent on the rim, the box was crushed on one corner. Can you send a new one please?

Tom Baker""",
        category="order_unknown", lang="en",
        label="order id belongs to A7PEARLRIVER (P2), not to this seller")

    fwd("62-pearlriver-owa-html-noid.eml", style="owa_en", seller=PR_OPS, rcpt=CN2DE, t="2026-11-19 15:05:18", off=8,
        lang_tag="en-US", html_only=True, cte="quoted-printable",
        note="Hi,\n\nItalian customer, no order number. Please check.\n\nOps",
        cust=("Roberto Bianchi", "roberto.bianchi@libero.it"), cust_to=PR_OPS[1], ct="2026-11-18 22:47:09",
        csubj="Caricatore che scotta",
        ctext="""Buonasera,

il vostro caricatore GaN da 140 W che ho comprato su Amazon il mese scorso diventa così caldo che non si riesce a toccarlo, e ieri sera ha fatto un odore di bruciato. L'ho staccato subito. Il numero d'ordine non lo trovo più, ho cancellato la mail. Come posso fare per la sostituzione?

Saluti,
Roberto Bianchi""",
        category="order_unknown", lang="it", label="post-sale complaint, no order id; HTML-only")

    # ======================= seller_question ====================================
    direct("63-kaffeekontor-seller-fees.eml", frm=KK_INFO, to=DE2DE, rcpt=DE2DE, t="2026-11-03 10:15:40",
           subject="Frage zu den CSBA-Gebühren im Oktober", client="outlook",
           text="""Guten Tag,

in der Gebührenrechnung für Oktober sind für Customer Service by Amazon 0,41 € pro Einheit berechnet worden. Bisher waren es 0,09 €. Wir hatten im Oktober nach unserer Rechnung auch nicht mehr Kundenkontakte als sonst. Können Sie uns erklären, wie die Contacts per Unit für Oktober berechnet wurden und welche Monate zählen?

Mit freundlichen Grüßen
Jana Brenner
Kaffeekontor Brenner & Söhne KG""",
           category="seller_question", lang="de",
           label="seller asks about its own CSBA fee; 'Rechnung' but step 4 precedes the rules")

    direct("64-atelier-seller-enrollment.eml", frm=AL_CAMILLE, to=DE2DE, rcpt=DE2DE, t="2026-11-02 14:30:12",
           subject="Réinscription au service client géré par Amazon", client="thunderbird", lang_tag="fr",
           text="""Bonjour,

Nous nous étions désinscrits du service client géré par Amazon en juin et nous nous sommes réinscrits le 1er septembre. Deux questions :
- la période d'essai gratuite de 30 jours s'applique-t-elle de nouveau après la réinscription ?
- les commandes passées pendant l'été sont-elles prises en charge par votre équipe ou devons-nous y répondre nous-mêmes ?

Merci de votre retour.

Bien cordialement,
Camille Roche
Atelier Lumière SARL""",
           category="seller_question", lang="fr", label="seller asks about its own enrollment / trial")

    direct("65-jinhua-seller-safet.eml", frm=("锦华厨具 王总", "boss@jinhua-kitchen.cn"), to=CN2DE, rcpt=CN2DE,
           t="2026-11-18 10:40:00", off=8, subject="关于SAFE-T索赔的咨询", client="foxmail",
           charset="GB18030", cte="base64",
           text="""您好，

我们的订单 302-4098712-6634519 已经被亚马逊客服直接给买家全额退款了，但是买家没有退货，我们也没有收到任何通知。我们认为这笔退款不应该由我们承担。请问我们应该如何提交SAFE-T索赔？需要提供哪些材料？

另外，CSBA的费用是否会因为这笔退款而增加？

谢谢！
王建国
义乌市锦华厨具有限公司""",
           category="seller_question", lang="zh",
           label="seller asks about a SAFE-T claim on a refund Amazon granted; no customer text")

    direct("66-pearlriver-seller-refund.eml", frm=PR_OPS, to=CN2DE, rcpt=CN2DE, t="2026-11-16 09:00:05", off=8,
           subject="Refund issued by Amazon without our approval - order 302-7741290-3356108",
           client="exchange", lang_tag="en-US",
           text="""Hello CSBA team,

On order 302-7741290-3356108 the customer was refunded in full by Amazon customer service on 12 November. We never received the item back and we were not asked. Can you tell us why the refund was granted and whether we will be reimbursed? If not, where do we file a claim?

Thanks,
Pearl River Ops
Dongguan Pearl River Electronics Co., Ltd.""",
           category="seller_question", lang="en",
           label="seller asks about a refund Amazon granted; order id but no customer inquiry")

    direct("67-hollowoak-seller-trial.eml", frm=HO_SUPPORT, to=DE2DE, rcpt=DE2DE, t="2026-11-05 16:45:00",
           subject="CSBA free trial and fees", client="gmail", html_alt=True,
           text="""Hi,

We signed up for Customer Service by Amazon on 2 November. Could you confirm when our 30-day free trial ends and what fee per unit applies after that? We have only been selling seller-fulfilled on amazon.de since the summer, so our volume is still low. Where in Seller Central can we see our Contacts per Unit?

Best,
Tom Reilly
Hollow Oak Outdoor""",
           category="seller_question", lang="en", label="seller asks about its own trial / fees")

    # ======================= unknown_sender =====================================
    fwd("68-lookalike-evil-subdomain.eml", style="outlook_de",
        seller=("Kaffeekontor Brenner Kundenservice", "kundenservice@shop.kaffeekontor-brenner.de.evil.com"),
        rcpt=DE2DE, t="2026-11-18 03:12:40", note="Hallo,\n\nbitte übernehmen.", sig=KK_SIG,
        cust=("Sandra Klein", "sandra.klein@gmx.de"), cust_to="kundenservice@kaffeekontor-brenner.de",
        ct="2026-11-17 19:10:10", csubj="Bohnen nicht angekommen",
        ctext="""Hallo,

meine Bestellung 302-4417829-1093317 ist nach über zwei Wochen noch nicht da. Bitte erstatten Sie mir den Betrag.

Gruß
Sandra Klein""",
        category="unknown_sender", lang="de", label="lookalike domain shop.<sellerdomain>.evil.com")

    fwd("69-lookalike-cn-mail.eml", style="foxmail", seller=("锦华厨具客服", "service@jinhua-kitchen.cn-mail.com"),
        rcpt=CN2DE, t="2026-11-17 12:00:00", off=8, note="您好，\n\n请处理。",
        cust=("Peter Hahn", "peter.hahn@web.de"), cust_to="service@jinhua-kitchen.cn", ct="2026-11-16 18:00:00",
        csubj="Messerset Klinge stumpf",
        ctext="""Hallo,

das Messerset aus Bestellung 302-7264109-3385521 ist schon nach zwei Wochen stumpf. Ich möchte es zurückgeben.

Peter Hahn""",
        category="unknown_sender", lang="de", label="lookalike domain <sellerdomain>-mail.com")

    fwd("70-unlisted-subdomain-jinhua.eml", style="163", seller=("Jinhua EU Service", "service@eu.jinhua-kitchen.cn"),
        rcpt=CN2DE, t="2026-11-18 15:30:00", off=8, charset="utf-8", cte="base64",
        note="您好：\n\n欧洲仓客户问题，请处理。",
        cust=("Emily Watson", "emily.watson@gmail.com"), cust_to="service@eu.jinhua-kitchen.cn", ct="2026-11-17 20:20:20",
        csubj="Missing steamer basket",
        ctext="""Hi,

My steamer from order 302-5012386-9947260 arrived with only two baskets instead of three. Could you send the missing one?

Thanks, Emily""",
        category="unknown_sender", lang="en",
        label="subdomain eu.jinhua-kitchen.cn is not covered by *@jinhua-kitchen.cn")

    direct("71-stranger-customer-direct.eml", frm=("Gerhard Roth", "g.roth@web.de"), to=DE2DE, rcpt=DE2DE,
           t="2026-11-19 20:05:33", subject="Paket fehlt", client="plain",
           via=("mout.web.de", "212.227.15.4"),
           text="""Sehr geehrte Damen und Herren,

ich habe Ihre Adresse im Internet gefunden. Meine Aromadose vom Kaffeekontor (Bestellung 302-1873346-0527718) ist immer noch nicht angekommen. Der Verkäufer antwortet nicht. Bitte kümmern Sie sich darum.

Gerhard Roth""",
           category="unknown_sender", lang="de", label="a customer writing directly; no registered seller")

    fwd("72-unregistered-address-exact-seller.eml", style="outlook_de",
        seller=("Kaffeekontor Vertrieb", "verkauf@kaffeekontor-brenner.de"), rcpt=DE2DE, t="2026-11-16 11:11:11",
        note="Hallo,\n\nbitte diese Kundin übernehmen.\n\nMarc (Vertrieb)",
        cust=("Anja Lorenz", "anja.lorenz@t-online.de"), cust_to="verkauf@kaffeekontor-brenner.de",
        ct="2026-11-15 17:42:00", csubj="Aromadose Deckel klemmt",
        ctext="""Hallo,

der Deckel meiner Aromadose (Bestellung 302-1873346-0527718) klemmt so stark, dass ich sie kaum aufbekomme. Können Sie mir eine neue schicken?

Viele Grüße
Anja Lorenz""",
        category="unknown_sender", lang="de",
        label="verkauf@ is not one of the seller's exact addresses (no wildcard for A3)")

    fwd("73-unlisted-subdomain-prtech.eml", style="tb_en", seller=("PR-Tech Kefu", "kefu@mail.pr-tech.com.cn"),
        rcpt=CN2DE, t="2026-11-19 10:10:10", off=8, lang_tag="en-US", note="Hello,\n\nplease handle this one.",
        cust=("Dirk Schneider", "dirk.schneider@gmx.de"), cust_to="kefu@mail.pr-tech.com.cn", ct="2026-11-18 19:19:19",
        csubj="LED Strip flackert",
        ctext="""Hallo,

der LED-Strip aus Bestellung 302-1145672-9930284 flackert ständig in Rot. Bitte um Austausch.

Dirk Schneider""",
        category="unknown_sender", lang="de",
        label="subdomain mail.pr-tech.com.cn is not covered by *@pr-tech.com.cn")

    # ======================= auto_generated =====================================
    direct("74-kaffeekontor-vacation-autoreply.eml", frm=KK_SERVICE, to=DE2DE, rcpt=DE2DE, t="2026-11-18 11:02:17",
           subject="Abwesenheitsnotiz: Kaffeekontor Kundenservice", client="gmail",
           extra=["Auto-Submitted: auto-replied",
                  f"In-Reply-To: <{hx(16)}.{hx(8)}@csba-router.blind.internal>",
                  f"References: <{hx(16)}.{hx(8)}@csba-router.blind.internal>"],
           text="""Vielen Dank für Ihre Nachricht!

Unser Kundenservice ist vom 16.11. bis zum 23.11.2026 nur eingeschränkt erreichbar. Ihre Anfrage zur Bestellung 302-8820145-6631902 und alle anderen Nachrichten bearbeiten wir ab dem 24.11. der Reihe nach.

Herzliche Grüße
Ihr Kaffeekontor-Team""",
           category="auto_generated", lang="de", label="vacation auto-reply from a registered seller address")

    t75 = T("2026-11-17 09:45:12", 8)
    dsn_text = """This is the mail system at host mx-in.qiye.163.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<lihua@jinhua-kitchen.cn>: host mx-in.qiye.163.com[220.181.97.129] said: 550
    User not found: lihua@jinhua-kitchen.cn (in reply to RCPT TO command)
"""
    ds = f"""Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx-in.qiye.163.com
X-Postfix-Queue-ID: 4Xc9Lm2QfZz1Kq7
X-Postfix-Sender: rfc822; csba-cn2de@amazon.de
Arrival-Date: {rfcdate(later(t75, -20))}

Final-Recipient: rfc822; lihua@jinhua-kitchen.cn
Original-Recipient: rfc822;lihua@jinhua-kitchen.cn
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx-in.qiye.163.com
Diagnostic-Code: smtp; 550 User not found: lihua@jinhua-kitchen.cn
"""
    hdrs = f"""Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <csba-cn2de@amazon.de>
From: csba-cn2de@amazon.de
To: lihua@jinhua-kitchen.cn
Subject: =?utf-8?b?5YWz5LqO5oKo55qEQ1NCQeahiOS7tg==?=
Date: {rfcdate(later(t75, -60))}
Message-ID: <{hx(16)}.{hx(8)}@csba-router.blind.internal>
"""
    part75 = multipart("report", [
        "Content-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n" + dsn_text, ds, hdrs],
        boundary=f"4Xc9Lm2QfZz1Kq7.{R.randint(1700000000, 1799999999)}/mx-in.qiye.163.com",
        ct_extra=" report-type=delivery-status;")
    direct("75-dsn-null-sender.eml", frm=("Mail Delivery System", "MAILER-DAEMON@mx-in.qiye.163.com"), to=CN2DE,
           rcpt=CN2DE, t="2026-11-17 09:45:12", off=8, subject="Undelivered Mail Returned to Sender", client="plain",
           via=("mx-in.qiye.163.com", "220.181.97.129"), envelope="",
           extra=["Auto-Submitted: auto-replied"], part=part75,
           category="auto_generated", lang="en", label="DSN, multipart/report, null envelope sender")

    direct("76-mailing-list-post.eml", frm=KK_INFO, to=addr("Händlerforum", "haendlerforum@lists.shopbetreiber-netz.de"),
           rcpt=DE2DE, t="2026-11-15 21:30:00", subject="[Händlerforum] Erfahrungen mit CSBA?", client="thunderbird",
           via=("lists.shopbetreiber-netz.de", "88.99.41.10"),
           envelope="haendlerforum-bounces+csba-de2de=amazon.de@lists.shopbetreiber-netz.de",
           extra=["Precedence: list", f"List-Id: {ehdr('Händlerforum')} <haendlerforum.lists.shopbetreiber-netz.de>",
                  "List-Unsubscribe: <https://lists.shopbetreiber-netz.de/mailman3/lists/haendlerforum.lists.shopbetreiber-netz.de/>,\n <mailto:haendlerforum-leave@lists.shopbetreiber-netz.de>",
                  "List-Post: <mailto:haendlerforum@lists.shopbetreiber-netz.de>",
                  "List-Help: <mailto:haendlerforum-request@lists.shopbetreiber-netz.de?subject=help>",
                  "Errors-To: haendlerforum-bounces@lists.shopbetreiber-netz.de",
                  "Sender: \"Händlerforum\" <haendlerforum-bounces@lists.shopbetreiber-netz.de>".replace(
                      '"Händlerforum"', ehdr("Händlerforum"))],
           text="""Hallo in die Runde,

wir nutzen seit gut einem Jahr Customer Service by Amazon. Eine Kundin hat sich gestern bei uns beschwert, ihre Bestellung 302-8820145-6631902 sei beschädigt angekommen, und wir haben das an CSBA gegeben. Wie sind eure Erfahrungen, wie schnell reagiert das Team bei euch?

Grüße aus Bremen
Jana

_______________________________________________
Händlerforum mailing list -- haendlerforum@lists.shopbetreiber-netz.de
To unsubscribe send an email to haendlerforum-leave@lists.shopbetreiber-netz.de""",
           category="auto_generated", lang="de",
           label="mailing-list delivery (List-Id, Precedence: list), though From is a registered seller")

    direct("77-jinhua-x-autoreply.eml", frm=JH_SERVICE, to=CN2DE, rcpt=CN2DE, t="2026-11-19 02:10:44", off=8,
           subject="自动回复：Re: CSBA 案件通知", client="coremail", charset="utf-8", cte="base64",
           extra=["X-Autoreply: yes", f"In-Reply-To: <{hx(16)}.{hx(8)}@csba-router.blind.internal>"],
           text="""您好！您的来信已收到，我们会在24小时内（节假日除外）回复您。

Hello, thank you for your email. We have received it and will reply within 24 hours.

锦华厨具客服部""",
           category="auto_generated", lang="zh", label="auto-reply with X-Autoreply from a registered seller")

    news = """PR-Tech Black Friday Deals

Up to 35% off USB-C hubs, power banks and GaN chargers on Amazon.de, 24-30 November.
Pre-order the new PR-Hub 9 Pro now - ships 10 December.

You receive this newsletter because you are a PR-Tech partner.
Unsubscribe: https://news.pr-tech.com.cn/u/8f2c1d"""
    part78 = multipart("alternative", [leaf(news, "plain", "utf-8", "quoted-printable"),
                                       leaf("<html><body><h1>PR-Tech Black Friday Deals</h1>\n<p>Up to 35% off USB-C hubs, "
                                            "power banks and GaN chargers on Amazon.de, 24&ndash;30 November.</p>\n<p>Pre-order the new "
                                            "<b>PR-Hub 9 Pro</b> now &ndash; ships 10 December.</p>\n<p style=\"font-size:10px\">You receive "
                                            "this newsletter because you are a PR-Tech partner. <a href=\"https://news.pr-tech.com.cn/u/8f2c1d\">"
                                            "Unsubscribe</a></p></body></html>", "html", "utf-8", "quoted-printable")])
    direct("78-pearlriver-bulk-newsletter.eml", frm=("PR-Tech", "news@pr-tech.com.cn"), to=CN2DE, rcpt=CN2DE,
           t="2026-11-20 08:00:00", off=8, subject="Black Friday: up to 35% off PR-Tech accessories",
           client="plain", envelope="bounce-7731@pr-tech.com.cn",
           extra=["Precedence: bulk", "X-Mailer: Aliyun DirectMail"], part=part78,
           category="auto_generated", lang="en", label="Precedence: bulk newsletter from a registered (*@) domain")

    T("2026-11-19 10:01:44")
    mdn_human = ("Ceci est un accusé de réception pour le courrier que vous avez envoyé à "
                 "<camille@atelier-lumiere.eu>.\n\nNote : cet accusé de réception indique seulement que le message "
                 "a été affiché sur l'ordinateur du destinataire. Il n'y a aucune garantie que le destinataire ait "
                 "lu ou compris le contenu du message.\n")
    mdn = f"""Content-Type: message/disposition-notification; name="MDNPart2.txt"
Content-Disposition: inline
Content-Transfer-Encoding: 7bit

Reporting-UA: atelier-lumiere.eu; Thunderbird 128.4.0
Final-Recipient: rfc822;camille@atelier-lumiere.eu
Original-Message-ID: <{hx(16)}.{hx(8)}@csba-router.blind.internal>
Disposition: manual-action/MDN-sent-manually; displayed
"""
    part79 = multipart("report", [leaf(mdn_human, "plain", "utf-8", "8bit"), mdn],
                       ct_extra=" report-type=disposition-notification;")
    direct("79-atelier-mdn-read-receipt.eml", frm=AL_CAMILLE, to=DE2DE, rcpt=DE2DE, t="2026-11-19 10:01:44",
           subject="Accusé de réception (affiché) : Votre demande a été transmise", client="thunderbird",
           lang_tag="fr", part=part79, category="auto_generated", lang="fr",
           label="read receipt (multipart/report disposition-notification) from a registered seller")

    direct("80-hollowoak-helpdesk-ack.eml", frm=HO_SUPPORT, to=DE2DE, rcpt=DE2DE, t="2026-11-18 12:00:31",
           subject="[Hollow Oak Support #48213] We've received your request", client="plain",
           extra=["Auto-Submitted: auto-replied", "X-Mailer: Freshdesk",
                  f"In-Reply-To: <{hx(16)}.{hx(8)}@csba-router.blind.internal>"],
           html_alt=True,
           text="""Dear customer,

Thank you for contacting Hollow Oak Outdoor. This is an automatic confirmation that your request has been received and assigned ticket number #48213. One of our team members will get back to you within 1-2 business days.

Your message:
> Ihre Anfrage zur Bestellung 302-3348120-7712093 wurde an Customer Service by Amazon weitergeleitet.

Happy trails,
The Hollow Oak Outdoor team""",
           category="auto_generated", lang="en", label="helpdesk ticket auto-ack (Auto-Submitted: auto-replied)")


# ---------------------------------------------------------------- main

NEUTRAL = {  # file names that would give the category away
    "63": "kaffeekontor-outlook", "64": "atelier-thunderbird", "65": "jinhua-foxmail-gb18030",
    "66": "pearlriver-owa", "67": "hollowoak-gmail", "68": "kaffeekontor-outlook-de",
    "69": "jinhua-foxmail", "70": "jinhua-163", "71": "webde-direct", "72": "kaffeekontor-outlook-de",
    "73": "pearlriver-thunderbird-en", "74": "kaffeekontor-gmail", "75": "qiye163-report",
    "76": "kaffeekontor-thunderbird", "77": "jinhua-coremail", "78": "pearlriver-html",
    "79": "atelier-thunderbird", "80": "hollowoak-plain",
}
KEEP = {"kaffeekontor", "atelier", "hollowoak", "jinhua", "pearlriver", "outlook", "owa", "gmail",
        "apple", "thunderbird", "foxmail", "163", "autofwd", "attached", "nested", "html", "de", "fr",
        "en", "gb18030", "gbk", "utf8", "rfc822", "resent", "srs", "xforwarded", "only"}


def neutral_name(fname: str) -> str:
    num, rest = fname[:-4].split("-", 1)
    if num in NEUTRAL:
        return NEUTRAL[num]
    return "-".join(t for t in rest.split("-") if t in KEEP)


def main() -> None:
    with open(os.path.join(HERE, "config.yaml"), "w", encoding="utf-8") as f:
        f.write(CONFIG)
    write_orders()
    build_post_sale()
    build_out_of_scope_orders()
    build_rest()
    for old in os.listdir(HERE):
        if old.endswith(".eml"):
            os.remove(os.path.join(HERE, old))
    order = list(range(1, len(MESSAGES) + 1))
    random.Random(7).shuffle(order)
    for n, m in zip(order, MESSAGES, strict=False):
        m["orig"] = m["file"]
        m["file"] = f"{n:02d}-{neutral_name(m['file'])}.eml"
    assert len({m["file"] for m in MESSAGES}) == len(MESSAGES)
    for m in MESSAGES:
        with open(os.path.join(HERE, m["file"]), "wb") as f:
            f.write(m["raw"].encode("utf-8"))
    with open(os.path.join(HERE, "labels.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "sender", "recipient", "category", "action", "note"])
        for m in sorted(MESSAGES, key=lambda m: m["file"]):  # noqa: C414
            w.writerow([m["file"], m["sender"], m["recipient"], m["category"], m["action"],
                        f"lang={m['lang']}; {m['note']}"])
    print(len(MESSAGES), "messages")


if __name__ == "__main__":
    main()
