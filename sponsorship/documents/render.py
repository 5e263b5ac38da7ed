"""Jinja -> HTML -> PDF with WeasyPrint, through one fetcher that can reach nothing but our files.

User text reaches the PDF only as autoescaped Jinja values, and even if markup slipped through,
the fetcher serves only files inside static/print/ (as `print:<name>`) and the exact data: URIs
this module generated (the QR code, the letterhead emblem the admin uploaded); file://,
http(s)://, relative paths and anything else are refused and recorded in `refused`.
"""
from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass

import segno
from flask import current_app, has_request_context, render_template, request
from flask_babel import lazy_gettext as _l

from sponsorship.config import ROOT, ConfigError
from sponsorship.core.errors import DomainError
from sponsorship.settings.service import get_setting

PRINT_ROOT = (ROOT / "static" / "print").resolve()
PRINT_SCHEME = "print:"


def _weasyprint():
    # Imported lazily: it costs ~0.4 s and most requests never render a PDF.
    import weasyprint
    from weasyprint.urls import URLFetcher

    return weasyprint, URLFetcher


def make_fetcher(data_uris=()):
    _wp, URLFetcher = _weasyprint()

    class PrintFetcher(URLFetcher):
        """Serves `print:<file>` from static/print/ and our own data: URIs; refuses the rest."""

        def __init__(self, allowed_data=()):
            super().__init__(timeout=1, allowed_protocols={"print", "data"}, allow_redirects=False)
            self.allowed_data = set(allowed_data)
            self.served: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            from weasyprint.urls import URLFetcherResponse

            if url.startswith(PRINT_SCHEME):
                path = (PRINT_ROOT / url[len(PRINT_SCHEME):].lstrip("/")).resolve()
                if PRINT_ROOT in path.parents and path.is_file():
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    self.served.append(url)
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
            elif url.startswith("data:") and url in self.allowed_data:
                head, _, payload = url.partition(",")
                mime = head[len("data:"):].split(";")[0]
                self.served.append(head)
                return URLFetcherResponse(url, base64.b64decode(payload), {"Content-Type": mime})
            self.refused.append(url)
            raise ValueError("resource refused by the document fetcher")

    return PrintFetcher(data_uris)


def qr_data_uri(url: str) -> str:
    """A PNG QR code of `url` as a data: URI (deterministic for the same url)."""
    return segno.make(url, error="m").png_data_uri(scale=4, border=2)


def public_base_url() -> str:
    """The address printed in documents' QR codes and verification links: PUBLIC_BASE_URL.

    Unset, issuing is refused: a document outlives the request that issued it, and the Host
    header a request came with is not an address to print on a legal document. Only debug and
    tests, inside a request, fall back to the request's own address.
    """
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if not has_request_context():
        raise ConfigError("PUBLIC_BASE_URL is not set: a document issued outside a web request "
                          "cannot know the address its QR code must point to; set "
                          "PUBLIC_BASE_URL=https://... (see .env.example)")
    if not (current_app.debug or current_app.testing):
        # Said to the person issuing (flash), not a 500: the operator must set the variable.
        raise DomainError(_l("Dokumen tidak dapat diterbitkan: alamat publik aplikasi "
                             "(PUBLIC_BASE_URL) belum diatur oleh pengelola server."))
    return request.url_root.rstrip("/")


def verify_url(token: str) -> str:
    return f"{public_base_url()}/verify/{token}"


def letterhead() -> dict:
    """The city's names for the letterhead and texts, and its emblem: the admin's uploaded image
    as a data: URI this module generates (so the fetcher serves it), else the sample print:emblem.svg."""
    from sponsorship.regions.city import emblem_data_uri

    head = {key: get_setting(key) for key in ("city_name", "city_short", "unit_name", "unit_address",
                                              "area_name", "head_title", "baznas_office", "court_name")}
    head["emblem"] = emblem_data_uri() or f"{PRINT_SCHEME}emblem.svg"
    return head


# Every issued PDF: PDF/A-3b (archival: fonts embedded, sRGB output intent, XMP metadata) with
# a structure tree (tagged) for screen readers; a signature is added as an incremental update,
# so the file stays PDF/A (documents/signing.py).
PDF_OPTIONS = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}
# The element of a print template where an electronic signature's visible stamp goes (see
# templates/documents/_signatures.html); its box on the page becomes the signature's field.
STAMP_ANCHOR = "signature-stamp"
CSS_PX_TO_PT = 0.75


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    html: str
    fetcher: object
    stamp: tuple[int, tuple[float, float, float, float]] | None = None  # page index, box in pt


def _stamp_box(document) -> tuple[int, tuple[float, float, float, float]] | None:
    """Where the stamp anchor landed: (page index, (x1, y1, x2, y2) in PDF points, origin bottom-left)."""
    for index, page in enumerate(document.pages):
        box = page.anchors.get(STAMP_ANCHOR)
        if box:
            x1, top, x2, bottom = box
            height = page.height
            return index, (x1 * CSS_PX_TO_PT, (height - bottom) * CSS_PX_TO_PT,
                           x2 * CSS_PX_TO_PT, (height - top) * CSS_PX_TO_PT)
    return None


def render_html(template: str, context: dict, *, qr: str | None = None, draft: bool = False) -> str:
    context = {"signature": None, **context}  # the stamp of an electronic signature, if any
    return render_template(template, letterhead=letterhead(), qr=qr, draft=draft, **context)


def html_to_pdf(html: str, *, data_uris=()) -> Rendered:
    from sponsorship.regions.city import emblem_data_uri

    weasyprint, _ = _weasyprint()
    emblem = emblem_data_uri()
    fetcher = make_fetcher([*data_uris, *([emblem] if emblem else [])])
    doc = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url=None)
    css = weasyprint.CSS(string=(PRINT_ROOT / "print.css").read_text(), url_fetcher=fetcher)
    document = doc.render(stylesheets=[css], presentational_hints=False)
    pdf = document.write_pdf(**PDF_OPTIONS)
    return Rendered(pdf=pdf, pages=len(document.pages), html=html, fetcher=fetcher,
                    stamp=_stamp_box(document))


def render_pdf(template: str, context: dict, *, qr_url: str | None = None, draft: bool = False) -> Rendered:
    """Render a print template to PDF bytes; `qr_url` puts a QR code of that URL on it.

    `context["signature"]`, when given, is the stamp of the electronic signature to be applied
    (documents/signing.py): the template prints it where the signing official signs.
    """
    qr = qr_data_uri(qr_url) if qr_url else None
    html = render_html(template, {**context, "verify_url": qr_url}, qr=qr, draft=draft)
    # Besides the QR code, only the data: URIs the document's own code built from checked
    # uploads (an impact report's consented photos) may be fetched.
    images = [uri for uri in context.get("embedded_images", ()) if uri and uri.startswith("data:image/")]
    return html_to_pdf(html, data_uris=([qr] if qr else []) + images)

