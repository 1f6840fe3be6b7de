"""Language of short customer inquiries in the eight CSBA languages."""

from __future__ import annotations

import threading

import pytest

from router.decide import language
from router.decide.language import SUPPORTED, LanguageGuess, clean_text, detect_language

# Realistic inquiries of 2-4 sentences, as customers write them to sellers.
INQUIRIES: dict[str, list[str]] = {
    "de": [
        "Hallo, ich habe vor zwei Wochen eine Jacke bestellt (302-1234567-1234567) und sie ist "
        "immer noch nicht da. Können Sie mir bitte sagen, wo mein Paket ist?",
        "Guten Tag, die Lampe kam leider mit einem gebrochenen Glas an. Ich hätte gern Ersatz "
        "oder mein Geld zurück. Soll ich Ihnen Fotos schicken?",
        "Ich möchte den Artikel zurückschicken, weil er zu klein ist. Wie funktioniert die "
        "Rücksendung bei Ihnen? Danke im Voraus.",
        "Sehr geehrte Damen und Herren, laut Sendungsverfolgung wurde das Paket zugestellt, "
        "aber ich habe nichts bekommen. Was kann ich jetzt tun?",
        "Hallo! Die Schuhe passen nicht. Kann ich sie gegen Größe 43 umtauschen?",
    ],
    "fr": [
        "Bonjour, j'ai commandé une veste il y a deux semaines et je ne l'ai toujours pas reçue. "
        "Pouvez-vous me dire où en est ma livraison ?",
        "Madame, Monsieur, la lampe est arrivée avec le verre cassé. Je souhaiterais un "
        "remplacement ou un remboursement. Dois-je vous envoyer des photos ?",
        "Je voudrais retourner l'article car il est trop petit. Comment se passe le retour "
        "chez vous ? Merci d'avance.",
        "Bonjour, le suivi indique que le colis a été livré mais je n'ai rien reçu. Que "
        "puis-je faire maintenant ?",
        "Les chaussures ne me vont pas. Est-ce que je peux les échanger contre une pointure 43 ?",
    ],
    "en": [
        "Hi, I ordered a jacket two weeks ago and it still hasn't arrived. Could you please "
        "tell me where my parcel is?",
        "Hello, the lamp arrived with the glass broken. I would like a replacement or a "
        "refund. Should I send you some photos?",
        "I would like to return the item because it is too small. How does the return "
        "process work? Thanks in advance.",
        "Dear seller, the tracking says the package was delivered but I have not received "
        "anything. What can I do now?",
        "The shoes don't fit. Can I exchange them for a size 10?",
    ],
    "zh": [
        "您好，我两周前订购了一件夹克，到现在还没有收到。请问我的包裹现在在哪里？",
        "你好，台灯到货的时候玻璃已经碎了。我希望换一个新的或者退款。需要我发照片给你们吗？",
        "我想退货，因为尺码太小了。请问你们的退货流程是怎样的？谢谢。",
        "物流信息显示包裹已经签收，但是我什么都没有收到。我现在应该怎么办？",
        "请问 Samsung Galaxy S23 的手机壳什么时候能发货？订单号 302-1234567-1234567。",
    ],
    "it": [
        "Buongiorno, ho ordinato una giacca due settimane fa e non è ancora arrivata. "
        "Potete dirmi dove si trova il mio pacco?",
        "Salve, la lampada è arrivata con il vetro rotto. Vorrei una sostituzione o un "
        "rimborso. Devo mandarvi delle foto?",
        "Vorrei restituire l'articolo perché è troppo piccolo. Come funziona il reso? "
        "Grazie in anticipo.",
        "Il tracciamento dice che il pacco è stato consegnato ma non ho ricevuto niente. "
        "Cosa posso fare adesso?",
        "Le scarpe non mi stanno bene. Posso cambiarle con la taglia 43?",
    ],
    "es": [
        "Hola, pedí una chaqueta hace dos semanas y todavía no ha llegado. ¿Me pueden decir "
        "dónde está mi paquete?",
        "Buenos días, la lámpara llegó con el cristal roto. Quisiera un reemplazo o un "
        "reembolso. ¿Les envío fotos?",
        "Quiero devolver el artículo porque es demasiado pequeño. ¿Cómo funciona la "
        "devolución? Gracias de antemano.",
        "El seguimiento dice que el paquete fue entregado pero no he recibido nada. ¿Qué "
        "puedo hacer ahora?",
        "Los zapatos no me quedan bien. ¿Puedo cambiarlos por la talla 43?",
    ],
    "nl": [
        "Hallo, ik heb twee weken geleden een jas besteld en die is nog steeds niet "
        "aangekomen. Kunt u mij vertellen waar mijn pakket is?",
        "Goedendag, de lamp kwam aan met gebroken glas. Ik wil graag een vervanging of mijn "
        "geld terug. Moet ik u foto's sturen?",
        "Ik wil het artikel terugsturen omdat het te klein is. Hoe werkt het retourneren bij "
        "u? Alvast bedankt.",
        "Volgens de track en trace is het pakket bezorgd, maar ik heb niets ontvangen. Wat "
        "kan ik nu doen?",
        "De schoenen passen niet. Kan ik ze ruilen voor maat 43?",
    ],
    "pl": [
        "Dzień dobry, zamówiłem kurtkę dwa tygodnie temu i nadal nie dotarła. Czy mogą "
        "Państwo sprawdzić, gdzie jest moja paczka?",
        "Witam, lampa przyszła z pękniętym szkłem. Proszę o wymianę albo zwrot pieniędzy. "
        "Czy mam przesłać zdjęcia?",
        "Chciałabym zwrócić produkt, bo jest za mały. Jak wygląda u Państwa zwrot? "
        "Z góry dziękuję.",
        "Według śledzenia przesyłka została doręczona, ale nic nie otrzymałem. Co mogę "
        "teraz zrobić?",
        "Buty są za małe. Czy mogę je wymienić na rozmiar 43?",
    ],
}

CASES = [(code, text) for code, texts in INQUIRIES.items() for text in texts]


def test_inquiries_cover_every_supported_language() -> None:
    assert set(INQUIRIES) == set(SUPPORTED)


@pytest.mark.parametrize(("code", "text"), CASES)
def test_inquiry_language(code: str, text: str) -> None:
    guess = detect_language(text)
    assert guess is not None
    assert guess.code == code
    assert 0.0 < guess.confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "302-1234567-1234567",
        "12.03.2026 14:00 +49 30 1234567",
        "https://www.amazon.de/gp/your-account/order-details?orderID=302-1234567-1234567",
        "max.mustermann@example.de",
        ":-) !!! ???",
        "Danke!",
        "Hallo Paket?",
        "好",
    ],
)
def test_no_letters_or_too_short_is_none(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Здравствуйте, я заказал куртку две недели назад, и она до сих пор не пришла.",
        "こんにちは、二週間前にジャケットを注文しましたが、まだ届いていません。",
        "안녕하세요, 2주 전에 재킷을 주문했는데 아직 도착하지 않았습니다.",
    ],
)
def test_unsupported_scripts_are_none(text: str) -> None:
    assert detect_language(text) is None


def test_quoted_lines_signature_urls_and_addresses_are_ignored() -> None:
    text = (
        "Bonjour, mon colis n'est toujours pas arrivé. Pouvez-vous vérifier la livraison ?\n"
        "\n"
        "> Sehr geehrte Kundin, vielen Dank für Ihre Bestellung bei Musterhandel.\n"
        "> Ihre Ware wird in den nächsten Tagen versendet. Mit freundlichen Grüßen\n"
        "> Ihr Team von Musterhandel GmbH, Musterstraße 1, Berlin\n"
        "https://www.musterhandel.de/versand-und-lieferung-informationen\n"
        "-- \n"
        "Mit freundlichen Grüßen aus Berlin, Geschäftsführer Max Mustermann\n"
    )
    cleaned = clean_text(text)
    assert "Sehr geehrte" not in cleaned
    assert "Geschäftsführer" not in cleaned
    assert "musterhandel" not in cleaned
    guess = detect_language(text)
    assert guess is not None and guess.code == "fr"


def test_input_is_cut() -> None:
    assert len(clean_text("Wo ist mein Paket? " * 1000)) <= language.MAX_CHARS


def test_chinese_short_circuit_does_not_ask_lingua(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> None:
        raise AssertionError("lingua must not be asked for Chinese text")

    monkeypatch.setattr(language, "_get_detector", boom)
    guess = detect_language("请问我的订单什么时候发货？谢谢。")
    assert guess == LanguageGuess("zh", 1.0)


def test_detector_is_built_once_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language, "_detector", None)
    built: list[object] = []
    real_build = language._build

    def counting_build() -> object:
        detector = real_build()
        built.append(detector)
        return detector

    monkeypatch.setattr(language, "_build", counting_build)
    threads = [threading.Thread(target=language.warm_up) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
