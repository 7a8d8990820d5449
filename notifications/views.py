"""Pages: a person's notifications and choices, one-click unsubscribe, the local mail page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from festival.models import User
from notifications import events as ev
from notifications import selectors, services


class PreferencesForm(forms.Form):
    receive = forms.MultipleChoiceField(
        label="Send me these messages",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(name, spec.label) for name, spec in ev.EVENTS.items() if not spec.essential],
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    optional = [name for name, _label in PreferencesForm.base_fields["receive"].choices]  # type: ignore[attr-defined]
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.set_opt_outs(user=user, events=set(optional) - set(form.cleaned_data["receive"]))
            flash.success(request, "Your choices are saved.")
            return redirect("notifications:inbox")
    else:
        off = set(user.notification_opt_outs.values_list("event", flat=True))
        form = PreferencesForm(initial={"receive": [name for name in optional if name not in off]})
    page = list(selectors.messages_for(user)[:100])
    unread = {m.pk for m in page if m.read_at is None}
    services.mark_read(user=user, message_ids=sorted(unread))
    essential = [spec.label for spec in ev.EVENTS.values() if spec.essential]
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": unread, "form": form, "essential": essential},
    )


@login_required
def message_detail(request: HttpRequest, uid: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    message = selectors.messages_for(user).filter(uid=uid).first()
    if message is None:
        raise Http404("No such message.")
    services.mark_read(user=user, message_ids=[message.pk])
    return render(request, "notifications/message.html", {"message": message})


@csrf_exempt  # RFC 8058: the mail client POSTs with no session; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.read_unsubscribe_token(token)
    except signing.BadSignature:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "GET":
        return render(request, "notifications/unsubscribe.html", {"token": token})
    try:
        user, spec = services.unsubscribe(token=token)
    except User.DoesNotExist:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    return render(request, "notifications/unsubscribe.html", {"done": spec, "email": user.email})


def _mail_page_enabled() -> None:
    if not settings.LAUREL_MAIL_PAGE:
        raise Http404("The local mail page exists only with the embedded default mail folder.")


def dev_mail(request: HttpRequest) -> HttpResponse:
    _mail_page_enabled()
    return render(
        request,
        "notifications/dev_mail.html",
        {"mails": selectors.stored_mail(), "folder": settings.LAUREL_MAIL_FOLDER},
    )


def dev_mail_detail(request: HttpRequest, name: str) -> HttpResponse:
    _mail_page_enabled()
    mail = selectors.stored_mail_named(name)
    if mail is None:
        raise Http404("No such mail.")
    return render(request, "notifications/dev_mail_detail.html", {"mail": mail})
