"""Compliance report pages: preview and sign off, send to the order's recipients, the PDF,
and in development the emails written to files."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from diversion import audit, clock
from diversion import pdf as pdf_documents
from diversion.access import CASEWORKERS, allow, found_or_404
from diversion.cases import facts, queries
from diversion.court import report_content, reports
from diversion.court.forms import RetryForm, SendForm, SignOffForm
from diversion.errors import RuleBroken
from diversion.mail import queue as mail_queue
from diversion.models import Case, MailStatus, Role

bp = Blueprint("reports", __name__)

# The preview is a document of its own inside the report page: no script at all, only its
# own style element (by hash), and only this service may frame it.
PREVIEW_POLICY = (
    "default-src 'none'; style-src {styles}; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'"
)


def _case_or_404(case_id: int) -> Case:
    return found_or_404(queries.case_for(g.user, case_id), "case", case_id)


def _put_error(form: SignOffForm, error: RuleBroken) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        field = form.confirm
    field.errors = [*field.errors, error.message]


def _retry_prefix(mail_id: int) -> str:
    return f"retry{mail_id}"


@bp.route("/cases/<int:case_id>/report", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def show(case_id: int) -> Response | str:
    case = _case_or_404(case_id)
    form = SignOffForm()
    if form.validate_on_submit():
        try:
            reports.sign_off(
                case, actor=g.user, statement=form.statement.data or "", now=clock.now()
            )
        except RuleBroken as error:
            _put_error(form, error)
        else:
            readers = report_content.recipient_words(case.requirement_type)
            flash(f"Report signed off. Check it, then send it to {readers}.", "success")
            return redirect(url_for("reports.show", case_id=case.id, _anchor="sign-offs"))
    audit.record("report_viewed", object_type="case", object_id=case.id, client_id=case.client_id)
    signoffs = reports.reports_for_case(case.id)
    latest = signoffs[0] if signoffs else None
    mail = mail_queue.mail_for_case(case.id)
    not_reportable = report_content.why_no_report(case)
    return render_template(
        "court/reports/case_report.html",
        title="Compliance report",
        case=case,
        form=form,
        not_reportable=not_reportable,
        window=queries.window_of(case),
        compliance=None if not_reportable else facts.compliance_of(case, today=clock.today()),
        signoffs=signoffs,
        latest=latest,
        changed=reports.changed_since_sign_off(latest, case) if latest else False,
        sent_at=reports.sent_at(latest) if latest else None,
        missing=report_content.missing_addresses(case),
        goes_to=report_content.addresses(case),
        readers=report_content.recipient_words(case.requirement_type),
        recipient_names=report_content.RECIPIENT_NAMES,
        mail=mail,
        send_form=SendForm(prefix="send", report_id=latest.id if latest else None),
        retry_forms={
            row.id: RetryForm(prefix=_retry_prefix(row.id))
            for row in mail
            if row.status is MailStatus.FAILED
        },
        file_mailer=mail_queue.mail_page_available(),
    )


@bp.route("/cases/<int:case_id>/report/preview")
@allow(*CASEWORKERS)
def preview(case_id: int) -> Response:
    case = _case_or_404(case_id)
    if report_content.why_no_report(case):
        abort(404)
    html = report_content.draft_html(case, today=clock.today())
    audit.record(
        "report_previewed", object_type="case", object_id=case.id, client_id=case.client_id
    )
    response = Response(html, mimetype="text/html")
    styles = " ".join(report_content.style_hashes(html)) or "'none'"
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY.format(styles=styles)
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/cases/<int:case_id>/report/send", methods=["POST"])
@allow(*CASEWORKERS)
def send(case_id: int) -> Response:
    case = _case_or_404(case_id)
    form = SendForm(prefix="send")
    back = redirect(url_for("reports.show", case_id=case.id, _anchor="sends"))
    latest = reports.latest_report(case.id)
    if latest is None:
        flash("Sign off the report before you send it.")
        return back
    if not form.validate_on_submit() or form.report_id.data != latest.id:
        flash("The report was signed off again since that page was shown. Check it, then send.")
        return back
    try:
        rows = reports.send_report(
            latest, actor=g.user, now=clock.now(), resend_reason=form.resend_reason.data
        )
    except RuleBroken as error:
        flash(error.message)
        return back
    waiting = [row for row in rows if row.status is not MailStatus.SENT]
    if not waiting:
        flash(f"Report sent to {report_content.recipient_words(case.requirement_type)}.", "success")
    else:
        flash(
            f"Not sent yet: {waiting[0].last_error or 'the mail server did not take it'}. "
            "It will be tried again automatically; the list below shows when."
        )
    return back


@bp.route("/cases/<int:case_id>/mail/<int:mail_id>/retry", methods=["POST"])
@allow(*CASEWORKERS)
def retry(case_id: int, mail_id: int) -> Response:
    case = _case_or_404(case_id)
    row = found_or_404(mail_queue.mail_of_case(case.id, mail_id), "outgoing_mail", mail_id)
    form = RetryForm(prefix=_retry_prefix(mail_id))
    back = redirect(url_for("reports.show", case_id=case.id, _anchor="sends"))
    if not form.validate_on_submit():
        return back
    try:
        row = mail_queue.retry_mail(row, actor=g.user, now=clock.now())
    except RuleBroken as error:
        flash(error.message)
        return back
    if row.status is MailStatus.SENT:
        flash("Email sent.", "success")
    else:
        flash(f"Not sent yet: {row.last_error}. It will be tried again automatically.")
    return back


@bp.route("/reports/<int:report_id>.pdf")
@allow(Role.WORKER, Role.MANAGER, Role.COURT_LIAISON, Role.CPS)
def pdf(report_id: int) -> Response:
    report = found_or_404(
        reports.report_for_reader(g.user, report_id), "compliance_report", report_id
    )
    content = pdf_documents.render_pdf(report.html)
    filename = report_content.pdf_filename(report.case)
    audit.record(
        "report_exported",
        object_type="compliance_report",
        object_id=report.id,
        client_id=report.case.client_id,
    )
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/mail")
@allow(*CASEWORKERS)
def mail() -> str:
    # Development only: with an SMTP server the messages live there, not in files here.
    if not mail_queue.mail_page_available():
        abort(404)
    rows = mail_queue.written_mail(g.user.organisation_id)
    return render_template("court/reports/mail.html", title="Emails written", rows=rows)


@bp.route("/mail/<int:mail_id>.eml")
@allow(*CASEWORKERS)
def eml(mail_id: int) -> Response:
    if not mail_queue.mail_page_available():
        abort(404)
    row = found_or_404(mail_queue.written_mail_item(g.user, mail_id), "outgoing_mail", mail_id)
    audit.record(
        "mail_exported",
        object_type="outgoing_mail",
        object_id=row.id,
        client_id=row.case.client_id if row.case else None,
    )
    return Response(
        row.message,
        mimetype="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="mail-{row.id}.eml"'},
    )
