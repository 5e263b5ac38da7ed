"""Downloading issued documents (policy-checked) and the public verification page."""
from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, send_file
from flask_babel import lazy_gettext as _l

from sponsorship import policy
from sponsorship.documents import service
from sponsorship.documents.forms import VerifyUploadForm
from sponsorship.documents.models import Document
from sponsorship.extensions import db, limiter

bp = Blueprint("documents", __name__, url_prefix="/documents")
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")

MAX_VERIFY_BYTES = 20 * 1024 * 1024


def send_document(document: Document):
    """The stored bytes, exactly: the sha256 on /verify is the sha256 of this response body."""
    try:
        data = service.read_bytes(document)
    except FileNotFoundError:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype="application/pdf", download_name=document.filename,
                         as_attachment=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/")
@policy.require("document.list")
def index():
    stmt = policy.scope(db.select(Document), Document).order_by(Document.id.desc()).limit(200)
    return render_template("verify/documents.html", documents=db.session.scalars(stmt).all())


@bp.route("/<int:document_id>.pdf")
@policy.require("document.view")
def download(document_id: int):
    return send_document(policy.get_or_404(Document, document_id, "document.view"))


def _check_upload(form: VerifyUploadForm):
    """(checked, document or None): whether the upload is byte for byte an issued document."""
    if not form.validate_on_submit():
        return False, None
    data = form.file.data.read(MAX_VERIFY_BYTES + 1)
    if len(data) > MAX_VERIFY_BYTES:
        form.file.errors.append(_l("Berkas terlalu besar."))
        return False, None
    return True, service.find_by_bytes(data)


@verify_bp.route("/", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def upload():
    form = VerifyUploadForm()
    checked, match = _check_upload(form)
    return render_template("verify/show.html", document=None, form=form, checked=checked, match=match)


@verify_bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit("60 per minute")
def show(token: str):
    document = service.find_by_token(token)
    if document is None:
        abort(404)
    form = VerifyUploadForm()
    checked, match = _check_upload(form)
    return render_template("verify/show.html", document=document, form=form, checked=checked,
                           match=match)
