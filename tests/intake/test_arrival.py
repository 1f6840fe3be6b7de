"""Arrival time and envelope of archived messages: pure, never raising on junk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from router.intake.arrival import (
    ArchivedEnvelope,
    archived_envelope,
    arrival_time,
    header_arrival,
    parse_date,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STORED = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)


def mail(*headers: str, body: str = "Hallo\r\n") -> bytes:
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode("utf-8")


def when(raw: bytes, stored_at: datetime | None = STORED) -> tuple[datetime, str]:
    found = arrival_time(raw, stored_at=stored_at, now=NOW)
    assert found.at.tzinfo is UTC
    return found.at, found.source


def test_topmost_received_wins_over_older_hops_and_date() -> None:
    raw = mail(
        "Received: from mx.example.net by mail.musterhandel.de; Tue, 3 Nov 2026 09:15:02 +0100",
        "Received: from laptop by mx.example.net; Tue, 3 Nov 2026 09:12:40 +0100",
        "Date: Tue, 03 Nov 2026 09:12:00 +0100",
        "Subject: x",
    )
    assert when(raw) == (datetime(2026, 11, 3, 8, 15, 2, tzinfo=UTC), "Received")


def test_received_folded_with_comment_and_semicolons_in_the_clauses() -> None:
    raw = mail(
        "Received: from a.example (a.example [192.0.2.1]; tls)",
        "\tby b.example with ESMTPS id 123;",
        "\tWed, 4 Nov 2026 23:59:59 -0800 (PST)",
        "Subject: x",
    )
    assert when(raw) == (datetime(2026, 11, 5, 7, 59, 59, tzinfo=UTC), "Received")


def test_junk_topmost_received_falls_to_the_next_hop() -> None:
    raw = mail(
        "Received: by broken.example; yesterday-ish",
        "Received: from nowhere without any date at all",
        "Received: by mx.example; Mon, 2 Nov 2026 18:40:00 +0000",
        "Date: Sun, 1 Nov 2026 10:00:00 +0000",
    )
    assert when(raw) == (datetime(2026, 11, 2, 18, 40, tzinfo=UTC), "Received")


def test_date_when_no_received() -> None:
    raw = mail("From: a@example.com", "Date: Tue, 03 Nov 2026 09:12:00 +0100")
    assert when(raw) == (datetime(2026, 11, 3, 8, 12, tzinfo=UTC), "Date")


def test_date_without_zone_is_taken_as_utc() -> None:
    raw = mail("Date: 3 Nov 2026 09:12:00 -0000")
    assert when(raw) == (datetime(2026, 11, 3, 9, 12, tzinfo=UTC), "Date")


@pytest.mark.parametrize("date", [
    "Date: junk", "Date: ", "Date: Mon, 31 Feb 2026 10:00:00 +0000",
    "Date: Thu, 1 Jan 1970 00:00:00 +0000",  # a clock that was never set
    "Date: Tue, 03 Nov 2026 99:12:00 +0100",
])
def test_junk_dates_fall_back_to_the_stored_time(date: str) -> None:
    raw = mail("Received: from x by y", date, "Subject: x")
    assert when(raw) == (STORED, "stored")


def test_stored_time_is_made_utc_and_now_is_the_last_resort() -> None:
    raw = mail("Subject: nothing dated")
    cest = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert when(raw, stored_at=cest) == (datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "stored")
    assert when(raw, stored_at=datetime(2026, 7, 1, 12, 0)) == (
        datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "stored")
    assert when(raw, stored_at=None) == (NOW, "now")


@pytest.mark.parametrize("raw", [
    b"", b"\x00\xff\xfe", b"no header at all\n\nbody",
    b"Received: \xff\xfe; \xff\r\nDate: \xe9t\xe9\r\n\r\n",
    b"Received: ;;;;\r\nDate: ,,,\r\n\r\n",
])
def test_unreadable_headers_never_raise(raw: bytes) -> None:
    assert header_arrival(raw) is None
    assert when(raw) == (STORED, "stored")


def test_8bit_header_with_a_readable_received_date() -> None:
    raw = (b"Received: from m\xfcller.example by mx; Tue, 3 Nov 2026 09:00:00 +0000\r\n"
           b"Subject: Gr\xfc\xdfe\r\n\r\nbody")
    assert when(raw) == (datetime(2026, 11, 3, 9, 0, tzinfo=UTC), "Received")


def test_lf_only_message_and_body_dates_are_not_read() -> None:
    raw = b"Subject: x\n\nReceived: by a; Tue, 3 Nov 2026 09:00:00 +0000\n"
    assert header_arrival(raw) is None


def test_parse_date_reads_mbox_asctime() -> None:
    assert parse_date("Tue Nov  3 09:12:00 2026") == datetime(2026, 11, 3, 9, 12, tzinfo=UTC)


def test_envelope_from_return_path_and_delivery_headers() -> None:
    raw = mail(
        "Return-Path: <service@musterhandel.de>",
        "Delivered-To: csba-de2de@amazon.de",
        "X-Original-To: CSBA-de2de@amazon.de",
        "Received: by mx; Tue, 3 Nov 2026 09:00:00 +0000",
        "Return-Path: <older-hop@example.com>",
        "Delivered-To: archive@amazon.de",
    )
    assert archived_envelope(raw) == ArchivedEnvelope(
        "service@musterhandel.de",
        ("CSBA-de2de@amazon.de", "csba-de2de@amazon.de", "archive@amazon.de"))


@pytest.mark.parametrize(("header", "expected"), [
    ("Return-Path: <>", ""),
    ("Return-Path: < >", ""),
    ("Return-Path: service@musterhandel.de", "service@musterhandel.de"),
    ("Return-Path: <junk>", None),
    ("Subject: none", None),
])
def test_envelope_sender(header: str, expected: str | None) -> None:
    assert archived_envelope(mail(header)).mail_from == expected


def test_no_envelope_headers_means_unknown() -> None:
    assert archived_envelope(mail("From: a@example.com", "To: csba-de2de@amazon.de")) == (
        ArchivedEnvelope(None, ()))
    assert archived_envelope(b"\x00\xff") == ArchivedEnvelope(None, ())
