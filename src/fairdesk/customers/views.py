"""Customer pages: sign-in with a mobile number and a code, sign-out, "my addresses and devices".

Thin: parse the form, call one service or selector, render. Errors from the services
(``DomainError``) are shown on the form they came from and change nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import login, logout
from django.contrib.auth.views import LoginView
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairdesk.core.errors import DomainError, NotFound
from fairdesk.core.phones import normalize_mobile
from fairdesk.customers import selectors, services
from fairdesk.customers.forms import AddressForm, CodeForm, DeviceForm, PhoneForm
from fairdesk.customers.http import client_ip, customer_required
from fairdesk.customers.models import Address

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _after_sign_in(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    configured = getattr(settings, "CUSTOMER_LOGIN_REDIRECT_URL", "")
    if configured:
        return str(configured)
    try:  # the customer portal, when it is installed
        return reverse("portal:home")
    except NoReverseMatch:
        return reverse("customers:me")


def _codes_on_outbox_page() -> bool:
    """The demo without an SMS gateway: codes are read on the staff outbox page."""
    from fairdesk.notifications.selectors import codes_read_on_outbox

    return codes_read_on_outbox()


def display_phone(phone: str) -> str:
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}" if len(phone) == 11 else phone


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("code")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    """Step 1: the mobile number → a code is sent. Step 2: the code → signed in."""
    next_url = _after_sign_in(request)
    if request.method == "GET" and selectors.customer_for_user(request.user) is not None:
        return HttpResponseRedirect(next_url)
    phone_form, code_form = PhoneForm(), None
    error, status = "", 200
    if request.method == "POST" and request.POST.get("action") == "verify":
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            try:
                customer = services.login_code_verify(
                    phone=code_form.cleaned_data["phone"],
                    code=code_form.cleaned_data["code"],
                    ip=client_ip(request),
                )
            except DomainError as exc:
                code_form.add_error("code", exc.message)
            else:
                login(request, customer.user, backend=MODEL_BACKEND)
                return HttpResponseRedirect(next_url)
        status = 422
    elif request.method == "POST":
        phone_form = PhoneForm(request.POST)
        resend = request.POST.get("step") == "code"
        if phone_form.is_valid():
            try:
                row = services.login_code_request(
                    phone=phone_form.cleaned_data["phone"], ip=client_ip(request)
                )
            except DomainError as exc:
                status = exc.status
                if resend:  # asked again from step 2: stay there, the last code may still do
                    code_form = CodeForm(initial={"phone": phone_form.cleaned_data["phone"]})
                    error = exc.message
                else:
                    phone_form.add_error("phone", exc.message)
            else:
                code_form = CodeForm(initial={"phone": row.phone})
                messages.success(
                    request,
                    _("We sent a code to %(phone)s. It is valid for %(minutes)s minutes.")
                    % {
                        "phone": display_phone(row.phone),
                        "minutes": max(1, services.setting("LOGIN_CODE_TTL_SECONDS") // 60),
                    },
                )
        else:
            status = 422
    phone = ""
    if code_form is not None:
        raw = code_form.data.get("phone") if code_form.is_bound else code_form.initial["phone"]
        phone = normalize_mobile(raw or "") or (raw or "")
    context = {
        "step": "code" if code_form is not None else "phone",
        "phone_form": phone_form,
        "code_form": code_form,
        "phone": phone,
        "phone_display": display_phone(phone),
        "error": error,
        "next": next_url,
        "codes_on_outbox": _codes_on_outbox_page(),
    }
    return render(request, "customers/login.html", context, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(reverse("customers:login"))


class StaffLoginView(LoginView):
    """Password sign-in for staff (the admin's login works too).

    Staff land on their console (``LOGIN_REDIRECT_URL``), or on the page ``next`` names when it
    is on this site; a page of the admin only for those the admin lets in (brand administrators,
    superusers): anyone else asking for it lands on the console too, not on the admin's refusal.
    """

    template_name = "customers/staff_login.html"
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        wanted = self.get_redirect_url()  # `next`, or "" unless it is safe: this host and scheme
        admin_page = urlsplit(wanted).path.startswith(reverse("admin:index"))
        if admin_page and not admin.site.has_permission(self.request):
            wanted = ""
        return wanted or self.get_default_redirect_url()


def _me_context(request: HttpRequest, **forms: Any) -> dict[str, Any]:
    customer = request.customer  # type: ignore[attr-defined]
    today = None  # the selectors use the local date
    addresses = [
        (a, selectors.address_warning(a)) for a in selectors.customer_addresses(customer=customer)
    ]
    devices = [
        (d, selectors.device_warranty_status(d, today))
        for d in selectors.customer_devices(customer=customer)
    ]
    return {
        "customer": customer,
        "phone_display": display_phone(customer.phone),
        "addresses": addresses,
        "devices": devices,
        "address_form": forms.get("address_form") or AddressForm(),
        "device_form": forms.get("device_form") or DeviceForm(),
        "proof_limit_mb": services.setting("DEVICE_PROOF_MAX_BYTES") // (1024 * 1024),
    }


@require_GET
@customer_required
def me(request: HttpRequest) -> HttpResponse:
    """The customer's addresses and devices (with warranty end), and forms to add them."""
    return render(request, "customers/me.html", _me_context(request))


@require_GET
@never_cache
@customer_required
def my_messages(request: HttpRequest) -> HttpResponse:
    """The signed-in customer's own messages (their full text: they are theirs)."""
    messages_list = selectors.customer_messages(customer=request.customer)  # type: ignore[attr-defined]
    return render(request, "customers/my_messages.html", {"messages_list": messages_list})


@require_POST
@customer_required
def address_add(request: HttpRequest) -> HttpResponse:
    form = AddressForm(request.POST)
    if form.is_valid():
        try:
            address = services.address_create(
                customer=request.customer,  # type: ignore[attr-defined]
                **form.cleaned_data,
            )
        except DomainError as exc:
            form.add_error(_field_of(exc, "text"), exc.message)
        else:
            warning = selectors.address_warning(address)
            if warning:
                messages.warning(request, warning)
            else:
                messages.success(request, _("Address saved."))
            return HttpResponseRedirect(reverse("customers:me") + "#addresses")
    context = _me_context(request, address_form=form)
    return render(request, "customers/me.html", context, status=422)


def _field_of(exc: DomainError, default: str | None) -> str | None:
    return {
        "invalid_contact_phone": "contact_phone",
        "label_too_long": "label",
        "name_too_long": "contact_name",
        "invalid_serial": "serial",
        "duplicate_serial": "serial",
        "purchase_date_in_future": "purchase_date",
        "purchase_date_too_early": "purchase_date",
        "proof_too_large": "proof",
        "proof_type": "proof",
        "proof_empty": "proof",
    }.get(exc.code, default)


def _own_address(request: HttpRequest, pk: int) -> Address:
    """The signed-in customer's address, else 404 (someone else's is "not found" too)."""
    try:
        return selectors.address_get(customer=request.customer, pk=pk)  # type: ignore[attr-defined]
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_POST
@customer_required
def address_make_default(request: HttpRequest, pk: int) -> HttpResponse:
    address = _own_address(request, pk)
    services.address_update(address=address, is_default=True)
    messages.success(request, _("Default address changed."))
    return HttpResponseRedirect(reverse("customers:me") + "#addresses")


@require_POST
@customer_required
def address_delete(request: HttpRequest, pk: int) -> HttpResponse:
    address = _own_address(request, pk)
    try:
        services.address_delete(address=address)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Address deleted."))
    return HttpResponseRedirect(reverse("customers:me") + "#addresses")


@require_POST
@customer_required
def device_add(request: HttpRequest) -> HttpResponse:
    form = DeviceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            device = services.device_register(
                customer=request.customer,  # type: ignore[attr-defined]
                **form.cleaned_data,
            )
        except DomainError as exc:
            form.add_error(_field_of(exc, None), exc.message)
        else:
            messages.success(
                request,
                _("Device registered. Its warranty runs until %(date)s.")
                % {"date": device.warranty_until.isoformat()},
            )
            return HttpResponseRedirect(reverse("customers:me") + "#devices")
    context = _me_context(request, device_form=form)
    return render(request, "customers/me.html", context, status=422)


@require_GET
def device_proof(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A device's proof of purchase: for its owner, and for staff who may view devices of the
    customers whose records they open (``selectors.access_device_proof``; not auditors)."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(f"{reverse('customers:login')}?next={request.path}")
    try:
        device = selectors.access_device_proof(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    extension = (device.proof.name or "").rsplit(".", 1)[-1]
    response = FileResponse(
        device.proof.open("rb"),
        content_type=device.proof_content_type or "application/octet-stream",
        filename=f"proof-{device.serial}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
