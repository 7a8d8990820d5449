"""Organizer pages: the outbox (every message and its delivery), compose, edited templates."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from festival.models import Edition, User
from festival.permissions import organizer_required, request_roles
from notifications import events as ev
from notifications import outbox
from notifications.forms import ComposeForm, TemplateForm
from notifications.models import Broadcast, Message, MessageState


def _edition(request: HttpRequest, edition_id: int) -> Edition:
    edition = get_object_or_404(Edition.objects.select_related("festival"), pk=edition_id)
    if not request_roles(request).organizes(edition.festival_id):
        raise Http404  # organizers of other festivals learn nothing
    return edition


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@organizer_required
def outbox_page(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _edition(request, edition_id)
    state = request.GET.get("state", "")
    rows = Message.objects.filter(edition=edition).order_by("-pk")
    if state in MessageState.values:
        rows = rows.filter(state=state)
    page = Paginator(
        rows.only("pk", "uid", "event", "to_address", "subject", "state", "reason", "created_at", "sent_at"), 50
    ).get_page(request.GET.get("page"))
    context = {
        "edition": edition,
        "page": page,
        "state": state,
        "states": MessageState.choices,
        "held": Message.objects.filter(edition=edition, state=MessageState.HELD).count(),
        "broadcasts": Broadcast.objects.filter(edition=edition).order_by("-pk")[:20],
    }
    return render(request, "notifications/outbox.html", context)


@organizer_required
@require_POST
def review_message(request: HttpRequest, edition_id: int, message_id: int) -> HttpResponse:
    edition = _edition(request, edition_id)
    message = get_object_or_404(Message, pk=message_id, edition=edition)
    if request.POST.get("action") == "release":
        done = outbox.release_message(message=message, actor=_actor(request))
        flash.success(request, "Released: it is on its way." if done else "This message was no longer held.")
    else:
        done = outbox.discard_message(message=message, actor=_actor(request))
        flash.success(request, "Discarded." if done else "This message was no longer held.")
    return redirect("notifications:outbox", edition_id=edition.pk)


@organizer_required
@require_POST
def release_broadcast(request: HttpRequest, edition_id: int, broadcast_id: int) -> HttpResponse:
    edition = _edition(request, edition_id)
    broadcast = get_object_or_404(Broadcast, pk=broadcast_id, edition=edition)
    done = outbox.release_broadcast(broadcast=broadcast, actor=_actor(request))
    flash.success(request, f"Sending to {broadcast.recipient_count} people." if done else "It was not held any more.")
    return redirect("notifications:outbox", edition_id=edition.pk)


def _person(edition: Edition, email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first() if email else None


@organizer_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _edition(request, edition_id)
    form = ComposeForm(request.POST or None, edition=edition, initial={"kind": "entrants"})
    preview = None
    count = None
    if request.method == "POST" and form.is_valid():
        audience = form.audience()
        count = outbox.recipient_count(edition, audience)
        if request.POST.get("action") == "send":
            if count == 0:
                form.add_error(None, "Nobody is in this audience: change the filters.")
            else:
                broadcast = outbox.compose_broadcast(
                    edition=edition,
                    author=_actor(request),
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    audience=audience,
                    hold=form.cleaned_data["hold"],
                )
                verb = "held for review" if broadcast.state == Broadcast.State.HELD else "on its way"
                flash.success(request, f"Your message to {count} people is {verb}.")
                return redirect("notifications:outbox", edition_id=edition.pk)
        first = outbox.audiences().user_ids(edition, audience).first()
        recipient = _person(edition, form.cleaned_data.get("preview_for") or "") or (
            User.objects.filter(pk=first).first() if first else None
        )
        preview = (
            recipient,
            outbox.render_broadcast(edition, form.cleaned_data["subject"], form.cleaned_data["body"], recipient),
        )
        audience_label = outbox.audiences().describe(edition, audience)
    else:
        audience_label = ""
    return render(
        request,
        "notifications/compose.html",
        {"edition": edition, "form": form, "preview": preview, "count": count, "audience_label": audience_label},
    )


@organizer_required
def template_list(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _edition(request, edition_id)
    rows = []
    for name, spec in ev.EVENTS.items():
        if name == ev.BROADCAST:
            continue
        _subject, _body, hold, custom = outbox.template_of(edition, name)
        rows.append({"event": spec, "hold": hold, "custom": custom})
    return render(request, "notifications/templates.html", {"edition": edition, "rows": rows})


@organizer_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, edition_id: int, event: str) -> HttpResponse:
    edition = _edition(request, edition_id)
    spec = ev.EVENTS.get(event)
    if spec is None or event == ev.BROADCAST:
        raise Http404
    subject, body, hold, custom = outbox.template_of(edition, event)
    form = TemplateForm(
        request.POST or None,
        event=spec,
        initial={"subject": subject, "body": body, "hold_for_review": hold},
    )
    preview = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reset":
            outbox.reset_template(edition=edition, event=event, actor=_actor(request))
            flash.success(request, "Back to the default wording.")
            return redirect("notifications:template", edition_id=edition.pk, event=event)
        if form.is_valid():
            if action == "save":
                outbox.save_template(
                    edition=edition,
                    event=event,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    hold_for_review=form.cleaned_data["hold_for_review"],
                    actor=_actor(request),
                )
                flash.success(request, "Saved. New messages use this wording.")
                return redirect("notifications:template", edition_id=edition.pk, event=event)
            recipient = _person(edition, form.cleaned_data.get("preview_for") or "")
            if recipient is None:
                recipient = _actor(request)
            rendered, real = outbox.preview(
                edition=edition,
                event=event,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                recipient=recipient,
            )
            preview = {"rendered": rendered, "real": real, "recipient": recipient}
    placeholders = sorted(spec.all_placeholders.items())
    return render(
        request,
        "notifications/template_edit.html",
        {
            "edition": edition,
            "event": spec,
            "form": form,
            "preview": preview,
            "custom": custom,
            "placeholders": placeholders,
        },
    )
