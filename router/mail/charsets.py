"""Turning bytes in a declared (often wrong) charset into text, never failing.

Real mail declares charsets that are misspelled, too narrow (gb2312 for GBK
text, latin-1 for windows-1252 text), or plain wrong (utf-8 bytes labelled
Big5).  Deciding needs readable text more than faithful errors, so every
function here returns a `str` and says how it got it.
"""

from __future__ import annotations

import codecs
import re

# Labels whose codec is a superset of what the label names, or that Python
# does not know by this name.  Supersets are safe: a subset's bytes decode
# the same, and mislabelled superset bytes (GBK sent as gb2312) then work.
_ALIASES: dict[str, str] = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "ms_kanji": "cp932",
    "x-ms-cp932": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso8859-8",
    "x-mac-roman": "mac-roman",
    "unicode-1-1-utf-7": "utf-7",
    "ucs-2": "utf-16",
    "iso-10646-ucs-2": "utf-16",
    "utf8": "utf-8",
    "utf-8": "utf-8",
}

# Inventive spellings ("iso-gb2312", "x-mac-big5", "utf-8-sig-ish"):
# recognised by a telling fragment.
_FRAGMENTS: tuple[tuple[str, str], ...] = (
    ("utf-8", "utf-8"),
    ("utf8", "utf-8"),
    ("gb2312", "gb18030"),
    ("gbk", "gb18030"),
    ("gb18030", "gb18030"),
    ("big5", "big5hkscs"),
    ("2022-jp", "iso2022_jp_ext"),
    ("sjis", "cp932"),
    ("shift", "cp932"),
    ("1252", "cp1252"),
    ("8859-1", "cp1252"),
    ("latin", "cp1252"),
)

# Labels that promise nothing: decode by guessing.
_NO_CHARSET = {"", "unknown-8bit", "x-unknown", "unknown", "default", "x-user-defined", "none"}

_LABEL_CLEAN = re.compile(r"[\"'\s]")

# Codecs whose bytes may be valid UTF-8 or ASCII without being so.
_ASCII_UNSAFE = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}


def codec_for(label: str | None) -> str | None:
    """Python codec name for a MIME charset label, or None if unknown/empty."""
    if not label:
        return None
    name = _LABEL_CLEAN.sub("", label).lower()
    # RFC 2231 language suffix: utf-8*de
    name = name.split("*", 1)[0]
    if name in _NO_CHARSET:
        return None
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        # "utf-8'de" / "windows1252" / "cp-1252": try a few spellings.
        for candidate in (name.replace("-", ""), name.replace("_", "-"), name.rstrip("-.,;")):
            try:
                return codecs.lookup(_ALIASES.get(candidate, candidate)).name
            except LookupError:
                continue
        for fragment, codec in _FRAGMENTS:
            if fragment in name:
                return codec
        return None


def decode_bytes(data: bytes, label: str | None = None) -> tuple[str, str | None]:
    """Decode `data`, trusting `label` only as far as the bytes agree.

    Returns the text and, where the declared charset was not used as is, a
    defect in words.  Non-ASCII bytes that are valid UTF-8 are taken as
    UTF-8 whatever the label says: UTF-8 labelled latin-1 or Big5 is the
    commonest mislabel, while real latin-1/GBK text is almost never valid
    UTF-8 by chance.  Then the declared codec strictly, then with
    replacement characters, then windows-1252 (decodes any byte).
    """
    codec = codec_for(label)
    if data.isascii() and codec not in _ASCII_UNSAFE:
        if codec is not None and (codec in ("utf-7", "hz") or codec.startswith("iso2022")):
            try:
                return data.decode(codec), None
            except Exception:  # noqa: BLE001 - junk in a stateful codec
                return data.decode("ascii"), f"invalid {label} sequences left as they are"
        return data.decode("ascii"), None
    if codec not in _ASCII_UNSAFE:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if codec is not None and codec != "utf-8":
                return text, f"text declared {label} is utf-8"
            if codec is None and label and _LABEL_CLEAN.sub("", label).lower() not in _NO_CHARSET:
                return text, f"unknown charset {label!r}, decoded as utf-8"
            return text, None
    if codec is not None and codec != "utf-8":
        if codec == "cp1252":
            return _cp1252(data), None
        try:
            return data.decode(codec), None
        except Exception:  # noqa: BLE001 - some codecs raise oddities on junk
            pass
        try:
            return data.decode(codec, "replace"), f"bytes invalid in {label}, replaced"
        except Exception:  # noqa: BLE001
            pass
    what = f"charset {label!r}" if label else "no charset"
    return _cp1252(data), f"{what}: bytes not utf-8, decoded as windows-1252"


def _cp1252(data: bytes) -> str:
    """windows-1252, with the five bytes it leaves undefined taken as latin-1."""
    return data.decode("cp1252", "replace") if b"\x81" not in data else data.decode("latin-1")


def decode_surrogates(text: str) -> str:
    """Recover raw 8-bit header bytes that the email package kept as surrogates.

    Headers should be ASCII but often carry raw UTF-8 (or GBK, latin-1) text;
    `email` keeps such bytes as lone surrogates, which cannot be printed,
    logged or stored.
    """
    if text.isascii():
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        # Latin-1 bytes often decode as GB18030 too: believe it only for
        # text with ideographs and no private-use characters.
        if _CJK.search(text) and not _PRIVATE_USE.search(text):
            return text
    return _cp1252(raw)


_CJK = re.compile("[\u4e00-\u9fff]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
