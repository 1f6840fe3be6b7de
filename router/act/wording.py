"""How a notice names a category, in the seller's language.

A seller reads words, not identifiers: `pre_sale` or a rule's name means
nothing to the person who must answer the customer.  Each packaged notice
language names every category of the contract's table here; a category an
admin adds through `classification.rules` has no words (None), and the
`default` notice then speaks of "this kind of inquiry" without naming it.
Data, not templates, so that every language and the tests see one list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

CATEGORY_WORDS: Final[Mapping[str, Mapping[str, str]]] = {
    "de": {
        "auto_generated": "automatisch erzeugte Nachricht",
        "unauthenticated": "Nachricht ohne Absenderprüfung",
        "case_message": "Nachricht des CSBA-Teams zu einem Fall",
        "unknown_sender": "Nachricht von einer nicht registrierten Adresse",
        "case_reply": "Antwort auf eine Frage des CSBA-Teams",
        "follow_up": "Fortsetzung einer bereits übernommenen Anfrage",
        "seller_question": "Frage zu Ihrem Verkäuferkonto",
        "invoice": "Bitte um eine Rechnung",
        "customization": "Frage zur Produktanpassung",
        "pre_sale": "Frage vor dem Kauf oder Vorbestellung",
        "amazon_fulfilled": "Bestellung mit Versand durch Amazon",
        "not_covered": "Bestellung außerhalb Ihrer CSBA-Teilnahme",
        "post_sale_seller_fulfilled": "Anfrage zu einer selbst versandten Bestellung",
        "order_unknown": "Anfrage nach dem Kauf zu einer nicht gefundenen Bestellung",
    },
    "en": {
        "auto_generated": "automatic message",
        "unauthenticated": "message whose sender could not be verified",
        "case_message": "message of the CSBA team about a case",
        "unknown_sender": "message from an address that is not registered",
        "case_reply": "answer to a question of the CSBA team",
        "follow_up": "continuation of an inquiry already taken over",
        "seller_question": "question about your seller account",
        "invoice": "request for an invoice",
        "customization": "question about customizing the product",
        "pre_sale": "question before buying, or a pre-order",
        "amazon_fulfilled": "order fulfilled by Amazon",
        "not_covered": "order placed outside your CSBA enrollment",
        "post_sale_seller_fulfilled": "inquiry about an order you ship yourself",
        "order_unknown": "inquiry after a purchase whose order was not found",
    },
    "fr": {
        "auto_generated": "message automatique",
        "unauthenticated": "message dont l'expéditeur n'a pas pu être vérifié",
        "case_message": "message de l'équipe CSBA au sujet d'un dossier",
        "unknown_sender": "message d'une adresse non enregistrée",
        "case_reply": "réponse à une question de l'équipe CSBA",
        "follow_up": "suite d'une demande déjà prise en charge",
        "seller_question": "question sur votre compte vendeur",
        "invoice": "demande de facture",
        "customization": "question sur la personnalisation du produit",
        "pre_sale": "question avant achat ou précommande",
        "amazon_fulfilled": "commande expédiée par Amazon",
        "not_covered": "commande passée en dehors de votre inscription",
        "post_sale_seller_fulfilled": "demande sur une commande que vous expédiez vous-même",
        "order_unknown": "demande après achat dont la commande est introuvable",
    },
    "zh": {
        "auto_generated": "自动发送的邮件",
        "unauthenticated": "发件人未通过验证的邮件",
        "case_message": "CSBA 团队关于案例的邮件",
        "unknown_sender": "来自未注册地址的邮件",
        "case_reply": "对 CSBA 团队问题的回复",
        "follow_up": "已受理咨询的后续邮件",
        "seller_question": "关于您卖家账户的问题",
        "invoice": "索要发票",
        "customization": "商品定制相关的咨询",
        "pre_sale": "售前咨询或预购",
        "amazon_fulfilled": "亚马逊配送的订单",
        "not_covered": "在您加入 CSBA 期间之外下的订单",
        "post_sale_seller_fulfilled": "关于卖家自配送订单的咨询",
        "order_unknown": "未找到对应订单的售后咨询",
    },
}


def category_words(category: str, language: str) -> str | None:
    """The words for `category` in `language`; None for a category an admin named."""
    return CATEGORY_WORDS.get(language, {}).get(category)
