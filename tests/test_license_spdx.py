"""Licence statements normalize to SPDX ids, whatever the language or spelling.

Two levels: ``normalize_license`` on licence names (the vocabulary in rules/licenses.yaml, the grammar
in compliance/detect/extract.py), and whole sentences through the notice engine, where the licence
rule's ``license`` group must capture enough of the name for the same id to come out.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from compliance.detect.extract import normalize_license
from compliance.detect.notices import NoticeEngine
from compliance.readers.plain import build_plain_document
from compliance.ruleset import load_ruleset


@lru_cache(maxsize=1)
def loaded():
    return load_ruleset()


def spdx(text: str) -> str | None:
    return normalize_license(text, loaded().ruleset.licenses)


@pytest.mark.parametrize(("name", "expected"), [
    # codes
    ("CC BY-NC-ND 2.0", "CC-BY-NC-ND-2.0"),
    ("cc by-sa 4.0", "CC-BY-SA-4.0"),
    ("CC-BY 4.0", "CC-BY-4.0"),
    ("CC BY 2.0", "CC-BY-2.0"),
    ("CC BY-SA 2.5", "CC-BY-SA-2.5"),
    ("CC-BY-NC-ND-3.0-DE", "CC-BY-NC-ND-3.0-DE"),
    ("CC-BY-NC-ND-4.0-DE", "CC-BY-NC-ND-4.0"),  # there is no ported 4.0: the international licence
    ("CC BY-NC-SA 2.0 FR", "CC-BY-NC-SA-2.0-FR"),
    ("CC BY-SA 3.0 IGO", "CC-BY-SA-3.0-IGO"),
    ("CC BY 3.0 at the author's request", "CC-BY-3.0"),  # "at" is a word, not Austria
    ("CC BY-ND", "LicenseRef-CC-BY-ND"),
    # English names
    ("Creative Commons Attribution 4.0 International License", "CC-BY-4.0"),
    ("Creative Commons Attribution-ShareAlike License", "LicenseRef-CC-BY-SA"),
    ("Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International", "CC-BY-NC-SA-4.0"),
    ("Creative Commons Attribution-NoDerivatives 4.0", "CC-BY-ND-4.0"),
    ("Creative Commons Attribution-Noncommercial-Share Alike 3.0 United States License", "CC-BY-NC-SA-3.0"),
    ("Creative Commons Attribution 3.0 United States", "CC-BY-3.0-US"),
    ("Creative Commons Attribution 2.5 Generic", "CC-BY-2.5"),
    ("a Creative Commons license", "LicenseRef-CC"),
    # German
    ("Creative Commons Namensnennung – Weitergabe unter gleichen Bedingungen 4.0", "CC-BY-SA-4.0"),
    ("Creative Commons Namensnennung 3.0 DE Lizenz", "CC-BY-3.0-DE"),
    ("Creative Commons Namensnennung - Keine Bearbeitungen 3.0 Deutschland", "CC-BY-ND-3.0-DE"),
    ("Creative Commons Namensnennung - Nicht kommerziell - Keine Bearbeitungen 4.0 International", "CC-BY-NC-ND-4.0"),
    ("Creative Commons Namensnennung 4.0 (CC BY 4.0)", "CC-BY-4.0"),
    # French, Spanish, Italian, Dutch, Polish, Portuguese
    ("Licence Creative Commons Attribution - Pas d'Utilisation Commerciale 4.0 International", "CC-BY-NC-4.0"),
    ("Creative Commons Attribution - Partage dans les Mêmes Conditions 4.0", "CC-BY-SA-4.0"),
    ("Creative Commons Reconocimiento-NoComercial-SinObraDerivada 4.0", "CC-BY-NC-ND-4.0"),
    ("Creative Commons Atribución-CompartirIgual 4.0 Internacional", "CC-BY-SA-4.0"),
    ("Creative Commons Attribuzione - Condividi allo stesso modo 4.0 Internazionale", "CC-BY-SA-4.0"),
    ("Creative Commons Naamsvermelding-NietCommercieel 4.0 Internationaal", "CC-BY-NC-4.0"),
    ("Creative Commons Uznanie autorstwa-Na tych samych warunkach 3.0 Polska", "CC-BY-SA-3.0"),
    ("Creative Commons Atribuição-NãoComercial-SemDerivações 4.0 Internacional", "CC-BY-NC-ND-4.0"),
    # CC0 and public domain
    ("CC0", "CC0-1.0"),
    ("CC0 1.0 Universal", "CC0-1.0"),
    ("public domain", "LicenseRef-public-domain"),
    ("gemeinfrei", "LicenseRef-public-domain"),
    ("domaine public", "LicenseRef-public-domain"),
    ("dominio público", "LicenseRef-public-domain"),
    # deed URLs
    ("https://creativecommons.org/licenses/by-nc/4.0/", "CC-BY-NC-4.0"),
    ("https://creativecommons.org/licenses/by/3.0/de/", "CC-BY-3.0-DE"),
    ("https://creativecommons.org/licenses/by-nc-sa/2.0/fr/deed.fr", "CC-BY-NC-SA-2.0-FR"),
    ("creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
    ("creativecommons.org/publicdomain/mark/1.0/", "LicenseRef-public-domain"),
    # named licences that are not Creative Commons (rules/licenses.yaml, named:), version-specific first
    ("Datenlizenz Deutschland – Namensnennung – Version 2.0", "DL-DE-BY-2.0"),
    ("dl-de/by-2-0", "DL-DE-BY-2.0"),
    ("Datenlizenz Deutschland – Zero – Version 2.0", "DL-DE-ZERO-2.0"),
    ("Licence Ouverte / Open Licence version 2.0", "etalab-2.0"),
    ("Open Government Licence v3.0", "OGL-UK-3.0"),
    ("the Open Government Licence", "LicenseRef-OGL-UK"),
    ("GNU Free Documentation License, Version 1.3 or any later version", "GFDL-1.3-or-later"),
    ("GNU Free Documentation License 1.2", "GFDL-1.2-only"),
    ("the GNU Free Documentation License", "LicenseRef-GFDL"),
    ("Open Database License (ODbL)", "ODbL-1.0"),
    # software licences
    ("MIT License", "MIT"),
    ("MIT-Lizenz", "MIT"),
    ("Apache License, Version 2.0", "Apache-2.0"),
    ("the Apache License", "LicenseRef-Apache"),
    ("BSD 3-Clause License", "BSD-3-Clause"),
    ("either version 3 of the License, or (at your option) any later version", "GPL-3.0-or-later"),
    ("GNU General Public License v2", "GPL-2.0-only"),
    ("Mozilla Public License, v. 2.0", "MPL-2.0"),
    # Creative Commons in scripts without the Latin name, and the Russian element names
    ("クリエイティブ・コモンズ 表示 - 非営利 4.0 国際", "CC-BY-NC-4.0"),
    ("知识共享署名-相同方式共享 4.0 国际许可协议", "CC-BY-SA-4.0"),
    ("크리에이티브 커먼즈 저작자표시-변경금지 4.0 국제 라이선스", "CC-BY-ND-4.0"),
    ("Creative Commons «Attribution-ShareAlike» («Атрибуция — На тех же условиях») 4.0", "CC-BY-SA-4.0"),
    # an element word of those scripts is an everyday word without Creative Commons: no licence
    ("出典を表示してください", None),
    # not a licence name
    ("the terms of service", None),
    ("Open government data portals were discussed.", None),
])
def test_licence_names(name, expected):
    assert spdx(name) == expected


@lru_cache(maxsize=1)
def engine() -> NoticeEngine:
    return NoticeEngine(loaded())


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Der Beitrag ist lizenziert unter einer Creative Commons Namensnennung - Weitergabe unter gleichen "
     "Bedingungen 4.0 International Lizenz.", "CC-BY-SA-4.0"),
    ("Unsere Fotos stehen, wenn nicht anders angegeben, unter der Creative-Commons-Lizenz BY-NC-SA 4.0.",
     "CC-BY-NC-SA-4.0"),
    ("Stories on this site may be republished under a Creative Commons Attribution 4.0 International licence.",
     "CC-BY-4.0"),
    ("Forum posts are licensed under cc by-sa 4.0 by their authors.", "CC-BY-SA-4.0"),
    ("Foto: Jan Kowal, CC BY-SA 3.0, via Wikimedia Commons", "CC-BY-SA-3.0"),
    ("Ce site est mis à disposition selon les termes de la Licence Creative Commons Attribution - Pas "
     "d'Utilisation Commerciale 4.0 International.", "CC-BY-NC-4.0"),
    ("Este artículo se publica bajo licencia Creative Commons Reconocimiento 4.0.", "CC-BY-4.0"),
    ("Questo articolo è distribuito con licenza Creative Commons Attribuzione 4.0 Internazionale.", "CC-BY-4.0"),
    ("Deze tekst valt onder een Creative Commons Naamsvermelding 4.0 Internationaal licentie.", "CC-BY-4.0"),
    ("Tekst udostępniony na licencji Creative Commons Uznanie autorstwa 4.0.", "CC-BY-4.0"),
    ("Este conteúdo está licenciado sob a licença Creative Commons Atribuição 4.0 Internacional.", "CC-BY-4.0"),
    ("Dieses Bild steht unter CC0.", "CC0-1.0"),
    ("This photograph has been released into the public domain.", "LicenseRef-public-domain"),
    ("Licence: https://creativecommons.org/licenses/by-nd/4.0/", "CC-BY-ND-4.0"),
    ("Lizenz: Datenlizenz Deutschland – Namensnennung – Version 2.0", "DL-DE-BY-2.0"),
    ("Die Geodaten stehen unter der Datenlizenz Deutschland Zero 2.0 zur Verfügung.", "DL-DE-ZERO-2.0"),
    ("Ces données sont publiées sous Licence Ouverte version 2.0.", "etalab-2.0"),
    ("Contains public sector information licensed under the Open Government Licence v3.0.", "OGL-UK-3.0"),
    ("Permission is granted to copy, distribute and/or modify this document under the terms of the GNU Free "
     "Documentation License, Version 1.3 or any later version.", "GFDL-1.3-or-later"),
    ("この作品は クリエイティブ・コモンズ 表示 4.0 国際 ライセンスの下に提供されています。", "CC-BY-4.0"),
    ("本作品采用知识共享署名 4.0 国际许可协议进行许可。", "CC-BY-4.0"),
    ("Released under the MIT License.", "MIT"),
])
def test_licence_sentences(sentence, expected):
    found = [n for n in engine().scan(build_plain_document(sentence, "<licence>")) if n.kind == "license"]
    assert found, sentence
    assert expected in {n.license for n in found}, [(n.rule, n.text, n.license) for n in found]


@pytest.mark.parametrize("sentence", [
    "Mit Creative Commons können Urheber selbst festlegen, was mit ihren Werken geschehen darf.",
    "Critics said the attribution required under Creative Commons licences is often ignored.",
    "Microsoft Teams auch für Gäste ohne eigene Lizenz verfügbar",
    "The driver's license was suspended for six months.",
])
def test_talk_about_licences_is_not_a_licence(sentence):
    found = [n for n in engine().scan(build_plain_document(sentence, "<talk>")) if n.kind == "license"]
    assert not found, [(n.rule, n.text) for n in found]


def test_a_named_licence_grants_what_its_family_grants():
    """A document under the Datenlizenz Deutschland may be reproduced with attribution, as under CC BY; under
    the GNU FDL it is share-alike."""
    from compliance.policy.permissions import license_family

    licenses = loaded().ruleset.licenses
    assert license_family("DL-DE-BY-2.0", licenses) == "CC-BY"
    assert license_family("GFDL-1.3-or-later", licenses) == "CC-BY-SA"
    assert license_family("DL-DE-ZERO-2.0", licenses) == "CC0"
    assert license_family("CC-BY-NC-4.0", licenses) == "CC-BY-NC"
    assert license_family("Unknown-1.0", licenses) is None
    assert licenses.permissions["CC-BY"].reproduce == "allow"
