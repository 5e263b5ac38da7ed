"""Jinja -> HTML -> PDF with WeasyPrint, through one fetcher that can reach nothing but our files.

User text reaches the PDF only as autoescaped Jinja values, and even if markup slipped through,
the fetcher serves only files inside static/print/ (as `print:<name>`) and the exact data: URIs
this module generated (the QR code); file://, http(s)://, relative paths and anything else are
refused and recorded in `refused`.
"""
from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass

import segno
from flask import current_app, has_request_context, render_template, request

from sponsorship.config import ROOT, ConfigError, is_loopback
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
    """The address printed in documents' QR codes and verification links.

    PUBLIC_BASE_URL when set (production sets it). Unset, inside a request: the address that
    request came to (with TRUSTED_PROXIES, the one the proxy forwarded), which is right for a
    single public name; but a loopback address is refused outside debug and tests, since
    printing it would make every QR code useless. Unset, outside a request (`flask bill-month`,
    `seed-demo`): refused, since nothing tells the address.
    """
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if not has_request_context():
        raise ConfigError("PUBLIC_BASE_URL is not set: a document issued outside a web request "
                          "cannot know the address its QR code must point to; set "
                          "PUBLIC_BASE_URL=https://... (see .env.example)")
    if is_loopback(request.host) and not (current_app.debug or current_app.testing):
        raise ConfigError(f"PUBLIC_BASE_URL is not set and this request came to {request.host}: "
                          "documents would point to a loopback address; set PUBLIC_BASE_URL")
    return request.url_root.rstrip("/")


def verify_url(token: str) -> str:
    return f"{public_base_url()}/verify/{token}"


def letterhead() -> dict:
    return {key: get_setting(key) for key in ("city_name", "city_short", "unit_name", "unit_address")}


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    html: str
    fetcher: object


def render_html(template: str, context: dict, *, qr: str | None = None, draft: bool = False) -> str:
    return render_template(template, letterhead=letterhead(), qr=qr, draft=draft, **context)


def html_to_pdf(html: str, *, data_uris=()) -> Rendered:
    weasyprint, _ = _weasyprint()
    fetcher = make_fetcher(data_uris)
    doc = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url=None)
    css = weasyprint.CSS(string=(PRINT_ROOT / "print.css").read_text(), url_fetcher=fetcher)
    document = doc.render(stylesheets=[css], presentational_hints=False)
    pdf = document.write_pdf()
    return Rendered(pdf=pdf, pages=len(document.pages), html=html, fetcher=fetcher)


def render_pdf(template: str, context: dict, *, qr_url: str | None = None, draft: bool = False) -> Rendered:
    """Render a print template to PDF bytes; `qr_url` puts a QR code of that URL on it."""
    qr = qr_data_uri(qr_url) if qr_url else None
    html = render_html(template, {**context, "verify_url": qr_url}, qr=qr, draft=draft)
    # Besides the QR code, only the data: URIs the document's own code built from checked
    # uploads (an impact report's consented photos) may be fetched.
    images = [uri for uri in context.get("embedded_images", ()) if uri and uri.startswith("data:image/")]
    return html_to_pdf(html, data_uris=([qr] if qr else []) + images)

