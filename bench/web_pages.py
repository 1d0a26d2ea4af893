"""Release pages as saved from agency websites, with their site chrome, for evaluating HTML
extraction (`bench.readers`) and for the reader's tests (`tests/test_webpage.py`,
`tests/test_formats.py`): benchmark material that tests read, as `bench.generate`'s releases.

Each `WebPage` is one release laid out by one site template. Its expectations say what a good
extraction yields: the headline, the release's own lines (its publication date line and every
paragraph) and none of the chrome lines (menus, breadcrumbs, language switchers, captions and
credits, tags, share buttons, "Last Updated" lines, cookie banners, footers). `stays` lists the
chrome lines Orbite's extraction keeps (a known limit, counted as leaks by the benchmark).
The texts are written for these tests; only the site names and layouts follow real sites.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Release:
    """What the press office wrote: a headline, its date line(s), its paragraphs."""

    headline: str
    published: str
    updated: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class WebPage:
    """A saved page and what a good extraction of it yields."""

    name: str
    html: str
    title: str
    lines: tuple[str, ...]  # each must be found in the text
    chrome: tuple[str, ...]  # none may be found in the text
    stays: tuple[str, ...] = ()  # chrome that Orbite's extraction is known to keep


RELEASES = (
    Release(
        headline="Le satellite Trishna livre ses premières images thermiques",
        published="Publié le 02 juillet 2024",
        updated="Mis à jour le 05 novembre 2024",
        paragraphs=(
            "Trois semaines après son lancement, l’instrument infrarouge du satellite Trishna a "
            "transmis ses premières images de la surface terrestre, avec une résolution de 60 "
            "mètres.",
            "Ces images montrent les écarts de température entre les champs irrigués et les "
            "parcelles sèches de la plaine du Pô, un indicateur précieux du stress hydrique des "
            "cultures.",
            "La phase de recette en orbite durera encore quatre mois avant l’ouverture des "
            "données aux équipes scientifiques françaises et indiennes.",
        ),
    ),
    Release(
        headline="Vega-C place en orbite deux satellites d’observation radar",
        published="Published on 21 January 2016",
        updated="Last Updated 05 November 2024",
        paragraphs=(
            "Le lanceur Vega-C a décollé du Centre spatial guyanais à Kourou à 22 h 14, heure "
            "locale, emportant deux satellites radar destinés à la surveillance des côtes.",
            "Les deux passagers ont été séparés 57 et 63 minutes après le décollage, sur une "
            "orbite héliosynchrone à 560 kilomètres d’altitude.",
            "Cette mission est la troisième de l’année pour le lanceur léger européen, dont la "
            "cadence doit atteindre quatre vols par an.",
        ),
    ),
    Release(
        headline="Accord de coopération entre le CNES et l’agence spatiale mexicaine",
        published="Publié le 12/10/2011 à 14h54",
        updated="Dernière mise à jour : 13/10/2011",
        paragraphs=(
            "Le président du CNES et le directeur général de l’Agencia Espacial Mexicana ont "
            "signé à Mexico un accord-cadre portant sur l’observation de la Terre et la "
            "formation d’ingénieurs.",
            "L’accord prévoit l’accueil de dix doctorants mexicains par an dans les "
            "laboratoires français et l’accès aux données des satellites d’observation pour la "
            "gestion des risques naturels.",
        ),
    ),
)


def _paragraphs(release: Release, tag: str = "p") -> str:
    return "\n".join(f"<{tag}>{html.escape(p, quote=False)}</{tag}>" for p in release.paragraphs)


def _cnes(release: Release) -> tuple[str, tuple[str, ...]]:
    """Semantic page: <nav>, <main> holding breadcrumb, share buttons, a figure and tags."""
    page = f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>{release.headline} | CNES</title>
<meta property="og:title" content="{release.headline}">
<meta property="og:site_name" content="CNES"></head><body>
<header><a class="logo" href="/">CNES</a><div class="langs"><a href="/en">English</a>
<a href="/de">German</a></div><nav><ul><li>Accueil</li><li>Espace presse</li>
<li>Missions</li></ul></nav></header>
<main><div class="breadcrumb">Accueil › Presse › Communiqués</div>
<h1>{release.headline}</h1><p class="date">{release.published}</p>
<ul class="share"><li>Partager sur Facebook</li><li>Partager sur X</li></ul>
<figure><img src="a.jpg" alt=""><figcaption>Vue d'artiste du satellite en orbite.
© CNES/ill. Studio Orbite, 2024</figcaption></figure>
{_paragraphs(release)}
<ul class="tags"><li>• Espace durable</li><li>• Observation de la Terre</li></ul>
<p class="updated">{release.updated}</p></main>
<footer>CNES – Centre national d'études spatiales. Mentions légales. Plan du site.</footer>
</body></html>"""
    chrome = ("Partager sur Facebook", "© CNES/ill. Studio Orbite", "Vue d'artiste du satellite")
    chrome += ("• Espace durable", "Accueil › Presse", release.updated, "Mentions légales")
    chrome += ("English", "German")
    return page, chrome


def _esa(release: Release) -> tuple[str, tuple[str, ...]]:
    """Layout of divs only: no <main>, <article>, <nav> or <footer>."""
    page = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>ESA - {release.headline}</title></head><body>
<div id="top"><div class="site">European Space Agency</div>
<div class="lang"><a href="?l=en">English</a> <a href="?l=de">German</a>
<a href="?l=it">Italiano</a></div>
<div id="menu"><a href="/">Our Activities</a> <a href="/">Space News</a>
<a href="/">Multimedia</a> <a href="/">About Us</a></div></div>
<div class="crumbs"><a href="/">Home</a> / <a href="/">Newsroom</a> / Communiqués de presse</div>
<div id="content"><div class="article"><h1 class="heading">{release.headline}</h1>
<div class="meta">{release.published}</div>
<div class="meta">{release.updated}</div>
<div class="image"><img src="v.jpg"><div class="caption">Image - Le lanceur sur son pas de tir
 Credit: ESA/CNES/Arianespace</div></div>
<div class="body">{_paragraphs(release)}</div>
<div class="sharing">Share <a>Facebook</a> <a>Twitter</a> <a>LinkedIn</a></div></div>
<div class="sidebar"><div class="title">Related articles</div><ul>
<li><a>Un autre lancement réussi depuis Kourou la semaine dernière</a></li>
<li><a>Les prochaines missions du programme</a></li></ul></div></div>
<div id="bottom">Copyright 2000 - 2024 © European Space Agency. All rights reserved.
<a>Contact</a> <a>Terms and Conditions</a> <a>Privacy Notice</a></div></body></html>"""
    chrome = ("Our Activities", "Space News", "Related articles", "Credit: ESA/CNES/Arianespace")
    chrome += ("Image - Le lanceur", "Copyright 2000 - 2024", release.updated, "Italiano")
    chrome += ("Un autre lancement réussi", "Newsroom", "LinkedIn")
    return page, chrome


def _eumetsat(release: Release) -> tuple[str, tuple[str, ...]]:
    """<article> with a <header>; a cookie banner and a newsletter box outside it."""
    page = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>{release.headline} – EUMETSAT</title>
<meta property="og:title" content="{release.headline} – EUMETSAT"></head><body>
<div id="cookies"><p>Ce site utilise des cookies pour mesurer son audience.</p>
<button>Tout accepter</button><button>Personnaliser</button></div>
<header class="site"><a href="/">EUMETSAT</a><nav><a>Données</a><a>Satellites</a></nav></header>
<div class="wrap"><article><header><h1>{release.headline}</h1>
<time datetime="2024-07-02">{release.published}</time></header>
{_paragraphs(release)}
<div class="share"><span>Partager :</span><a>Facebook</a><a>Bluesky</a></div>
</article><div class="newsletter">Abonnez-vous à notre lettre d'information mensuelle</div></div>
<footer><p>© EUMETSAT 2024</p><p>Darmstadt, Allemagne</p></footer></body></html>"""
    chrome = ("Ce site utilise des cookies", "Tout accepter", "Abonnez-vous", "© EUMETSAT 2024")
    chrome += ("Bluesky", "Données")
    return page, chrome


def _old_tables(release: Release) -> tuple[str, tuple[str, ...]]:
    """An old site laid out in tables, in Windows-1252, the headline in bold: no <h1>."""
    page = f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<title>Météo-France - {release.headline}</title></head><body><table width="100%"><tr>
<td class="menu"><a>Prévisions</a><br><a>Climat</a><br><a>Espace presse</a><br>
<a>Nous contacter</a></td><td class="contenu">
<p class="fil">Accueil &gt; Presse &gt; Communiqués</p>
<p><b>{release.headline}</b></p><p><i>{release.published}</i></p>
{_paragraphs(release)}
<p class="imprimer">Imprimer cette page | Envoyer à un ami</p></td></tr>
<tr><td colspan="2" class="pied">Météo-France © 2011 - Tous droits réservés - Plan du site</td>
</tr></table></body></html>"""
    chrome = ("Prévisions", "Nous contacter", "Imprimer cette page", "Tous droits réservés")
    chrome += ("Accueil > Presse",)
    return page, chrome


def _ministry(release: Release) -> tuple[str, tuple[str, ...]]:
    """The site's name is the page's only <h1>; the headline is an <h2> and the og:title."""
    page = f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>{release.headline} | Ministère de l'Enseignement supérieur et de la Recherche</title>
<meta property="og:title" content="{release.headline}">
</head><body><header><h1 class="brand">Ministère de l'Enseignement supérieur et de la Recherche
</h1><nav><a>Actualités</a><a>Enseignement supérieur</a><a>Recherche</a></nav></header>
<main id="contenu"><nav class="ariane"><a>Accueil</a> <a>Actualités</a></nav>
<h2>{release.headline}</h2><p>{release.published}</p>
{_paragraphs(release)}
<div class="partage">Partager la page : <a>Facebook</a> <a>X</a> <a>Courriel</a></div>
</main><aside>Voir aussi : la stratégie spatiale nationale</aside>
<footer>République française. Liberté, Égalité, Fraternité. Accessibilité : partiellement
conforme.</footer></body></html>"""
    chrome = ("Partager la page", "Voir aussi", "Accessibilité", "Ministère de l'Enseignement")
    return page, chrome


def _embassy(release: Release) -> tuple[str, tuple[str, ...]]:
    """A consular site: cookie banner, breadcrumb, article, captions and "Voir aussi" list."""
    page = f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Ambassade de France au Mexique - {release.headline}</title></head><body>
<div class="cookie-banner">En poursuivant votre navigation, vous acceptez l'utilisation de
cookies. <a>En savoir plus</a> <a>OK</a></div>
<div class="header"><span class="site">Ambassade de France au Mexique</span>
<div class="langues">Español English Français</div></div>
<div class="fil-ariane">Accueil &gt; Coopération scientifique &gt; Espace</div>
<div class="main-content"><h1>{release.headline}</h1>
<div class="date">{release.published}</div>
<div class="illustration"><img src="s.jpg"><p class="legende">Image - Signature de l'accord à
Mexico © Ambassade de France</p></div>
{_paragraphs(release)}
<div class="voir-aussi"><h3>Voir aussi</h3><ul><li>Bourses pour étudiants mexicains</li>
<li>Agenda culturel de l'ambassade</li></ul></div>
<div class="share">Facebook Twitter Imprimer</div></div>
<div class="footer">Plan du site | Mentions légales | Contact | © Ministère de l'Europe et des
Affaires étrangères</div></body></html>"""
    chrome = ("En poursuivant votre navigation", "Español", "Coopération scientifique > Espace")
    chrome += ("Signature de l'accord à Mexico", "Bourses pour étudiants", "Agenda culturel")
    chrome += ("Plan du site", "Facebook Twitter Imprimer")
    return page, chrome


# Chrome that Orbite keeps, by template: "updated" date lines in the head (the metadata rules
# prefer the publication date), text laid out in tables, captions and lists in plain <div>s.
STAYS: dict[str, Callable[[Release], tuple[str, ...]]] = {
    "cnes": lambda release: (release.updated,),
    "esa": lambda release: (release.updated,),
    "old-tables": lambda release: ("Tous droits réservés", "Accueil > Presse"),
    "embassy": lambda release: (
        "Signature de l'accord à Mexico",
        "Bourses pour étudiants",
        "Agenda culturel",
    ),
}
TEMPLATES: dict[str, Callable[[Release], tuple[str, tuple[str, ...]]]] = {
    "cnes": _cnes,
    "esa": _esa,
    "eumetsat": _eumetsat,
    "old-tables": _old_tables,
    "ministry": _ministry,
    "embassy": _embassy,
}


def web_pages() -> list[WebPage]:
    """Every release in every template: 18 pages."""
    pages = []
    for site, template in TEMPLATES.items():
        for number, release in enumerate(RELEASES, 1):
            page, chrome = template(release)
            stays = STAYS.get(site, lambda release: ())(release)
            pages.append(
                WebPage(
                    name=f"{site}-{number}",
                    html=page,
                    title=release.headline,
                    lines=(release.published, *release.paragraphs),
                    chrome=tuple(line for line in chrome if line not in stays),
                    stays=stays,
                )
            )
    return pages


def page_bytes(page: WebPage) -> bytes:
    """The page as saved: in the charset its <meta> declares."""
    encoding = "cp1252" if "charset=windows-1252" in page.html[:300] else "utf-8"
    return page.html.encode(encoding, errors="xmlcharrefreplace")
