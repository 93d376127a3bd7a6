"""Invoicing for localstripe 1.15.10: an extension of a pinned emulator, owned by BECTA's tests.

This is not a fake of Stripe. localstripe (PyPI, GPL-3.0) stays the emulator: its store, ids,
customers, PaymentIntents, event log, webhook delivery and signatures are its own. This module
adds, before its server starts, what BECTA's invoice path needs and localstripe 1.15.10 lacks.
It patches localstripe's internals, so `localstripe_launcher.py` refuses any other version.

What it adds, and why:
1. One-off draft invoices. `POST /v1/invoices` with `collection_method=send_invoice`,
   `days_until_due`, `custom_fields`, `auto_advance`, `currency` or
   `pending_invoice_items_behavior` makes an empty draft (or one with the customer's pending
   items, with `include`). localstripe makes invoices only from pending items or subscriptions.
2. Invoice items on a draft. `POST /v1/invoiceitems` with `invoice=in_...` adds the item to that
   draft's lines (localstripe records the id but leaves the invoice alone). A finalized
   invoice, another customer or another currency is refused.
3. `POST /v1/invoices/{id}/finalize` (status `open`, a `number`, a `due_date` from
   `days_until_due`), `/send`, `/pay` with `paid_out_of_band=true`, and `/void` (localstripe's
   own fails on an invoice without a PaymentIntent and sends no event).
4. The events `invoice.finalized`, `invoice.sent`, `invoice.paid` and `invoice.voided`, made
   with localstripe's `Event` and `schedule_webhook`: stored, listed by `/v1/events`, delivered
   to the webhooks registered with `/_config/webhooks/...` and signed as its other events.
5. Response fields that async-stripe 1.0.0-rc.10 requires to read an Invoice (and its lines), an
   InvoiceItem, a PaymentIntent and an Event: the non-optional fields of its generated
   deserializers that localstripe leaves out, for instance `pending_webhooks` on events,
   `amount_remaining`, `issuer` and `automatic_tax` on invoices, `discountable` on lines and
   items, `amount_received` on PaymentIntents; and `latest_charge` as the charge's id, as
   Stripe sends it. Without them BECTA's adapter cannot read the emulator's answers.
6. Stripe's largest amount (99,999,999 in the smallest unit) on PaymentIntents
   (`amount_too_large`), so a purchase Stripe would refuse is refused here too.

Unknown or inconsistent parameters are refused with 400 in Stripe's error shape (`type`
`invalid_request_error`, `message`, `param`). Not covered: `due_date`, credit notes, discounts,
taxes, `Idempotency-Key` replays (localstripe ignores the header).
"""

import hashlib
import time

from localstripe import resources as r
from localstripe.errors import UserError
from localstripe.webhooks import _webhooks, schedule_webhook

MAX_AMOUNT = 99_999_999
DAY = 24 * 60 * 60


def refuse(message, param=None, code=None):
    contents = {k: v for k, v in (('param', param), ('code', code)) if v}
    return UserError(400, message, contents)


def no_unknown(params):
    if params:
        name = sorted(params)[0]
        raise refuse('Received unknown parameter: %s' % name, name)


def as_bool(value, param):
    value = r.try_convert_to_bool(value)
    if type(value) is not bool:
        raise refuse('Invalid boolean: %r' % (value,), param)
    return value


def event(kind, obj):
    schedule_webhook(r.Event(kind, obj))


def invoice_named(id, param='invoice'):
    inv = r.store.get('invoice:%s' % id) if type(id) is str else None
    if inv is None:
        raise refuse("No such invoice: '%s'" % id, param, 'resource_missing')
    return inv


# 1. One-off draft invoices ---------------------------------------------------------------

def check_custom_fields(fields):
    if fields is None:
        return None
    if type(fields) is not list or len(fields) > 4:
        raise refuse('custom_fields takes at most 4 fields', 'custom_fields')
    for i, f in enumerate(fields):
        param = 'custom_fields[%d]' % i
        if type(f) is not dict or set(f) != {'name', 'value'}:
            raise refuse('Each custom field has a name and a value', param)
        for key, longest in (('name', 40), ('value', 140)):
            v = f[key]
            if type(v) is not str or not 1 <= len(v) <= longest:
                raise refuse('A custom field %s is 1 to %d characters' % (key, longest),
                             '%s[%s]' % (param, key))
    return fields


original_invoice_create = r.Invoice._api_create.__func__


def create_invoice(cls, customer=None, metadata=None, description=None,
                   collection_method=None, days_until_due=None, custom_fields=None,
                   auto_advance=None, currency=None, pending_invoice_items_behavior=None,
                   **others):
    legacy = {k: others.pop(k) for k in ('subscription', 'tax_percent',
                                         'default_tax_rates') if k in others}
    no_unknown(others)
    one_off = [collection_method, days_until_due, custom_fields, auto_advance, currency]
    if all(v is None for v in one_off) and pending_invoice_items_behavior != 'exclude':
        return original_invoice_create(
            cls, customer=customer, metadata=metadata, description=description,
            pending_invoice_items_behavior=pending_invoice_items_behavior, **legacy)
    if legacy:
        raise refuse('A one-off invoice takes no %s here' % sorted(legacy)[0],
                     sorted(legacy)[0])
    if type(customer) is not str or r.store.get('customer:%s' % customer) is None:
        raise refuse("No such customer: '%s'" % customer, 'customer', 'resource_missing')
    method = collection_method or 'charge_automatically'
    if method not in ('charge_automatically', 'send_invoice'):
        raise refuse('Invalid collection_method: %s' % method, 'collection_method')
    if method == 'send_invoice':
        days_until_due = r.try_convert_to_int(days_until_due)
        if type(days_until_due) is not int or days_until_due < 0:
            raise refuse('An invoice with collection_method=send_invoice needs '
                         'days_until_due, a whole number of days', 'days_until_due')
    elif days_until_due is not None:
        raise refuse('days_until_due can only be set when collection_method is '
                     'send_invoice', 'days_until_due')
    behavior = pending_invoice_items_behavior or 'exclude'
    if behavior not in ('exclude', 'include'):
        raise refuse('Invalid pending_invoice_items_behavior: %s' % behavior,
                     'pending_invoice_items_behavior')
    currency = currency or 'eur'  # localstripe's own default
    if type(currency) is not str or len(currency) != 3:
        raise refuse('Invalid currency: %s' % currency, 'currency')
    if metadata is not None and type(metadata) is not dict:
        raise refuse('Invalid metadata', 'metadata')
    fields = check_custom_fields(custom_fields)
    advance = False if auto_advance is None else as_bool(auto_advance, 'auto_advance')

    # `simulation` keeps localstripe from taking the customer's pending items and from
    # announcing the invoice before its fields are set.
    inv = r.Invoice(customer=customer, metadata=metadata, description=description,
                    simulation=True)
    inv.lines._list = []
    if behavior == 'include':
        for item in r.InvoiceItem._api_list_all(None, customer=customer, limit=99)._list:
            if item.currency == currency.lower():
                item.invoice = inv.id
                inv.lines._list.append(r.InvoiceLineItem(item))
    inv.currency = currency.lower()
    inv.collection_method = method
    inv.days_until_due = days_until_due
    inv.due_date = None
    inv.custom_fields = fields
    inv.auto_advance = advance
    inv.number = None
    inv.paid_out_of_band = False
    inv.attempt_count = 0
    inv.attempted = False
    event('invoice.created', inv)
    return inv


# 2. Invoice items on a draft ---------------------------------------------------------------

original_item_create = r.InvoiceItem._api_create.__func__


def create_item(cls, invoice=None, **data):
    if invoice is None:
        return original_item_create(cls, **data)
    inv = invoice_named(invoice)
    if inv.status != 'draft':
        raise refuse('Items can only be added to a draft invoice; %s is %s'
                     % (inv.id, inv.status), 'invoice')
    if data.get('customer') != inv.customer:
        raise refuse("The invoice item's customer must be the invoice's customer (%s)"
                     % inv.customer, 'customer')
    if data.get('currency') != inv.currency:
        raise refuse("The currency of the invoice item (%s) must match the invoice's "
                     "currency (%s)" % (data.get('currency'), inv.currency), 'currency')
    item = original_item_create(cls, invoice=inv.id, **data)
    inv.lines._list.append(r.InvoiceLineItem(item))
    return item


# 3. and 4. Finalize, send, pay out of band, void; their events ------------------------------

def finalize(id, auto_advance=None, **others):
    no_unknown(others)
    inv = invoice_named(id, 'id')
    if inv.status != 'draft':
        raise refuse('This invoice is already finalized: it is %s' % inv.status)
    if auto_advance is not None:
        inv.auto_advance = as_bool(auto_advance, 'auto_advance')
    inv._finalize()
    prefix = hashlib.sha1(inv.customer.encode()).hexdigest()[:8].upper()
    numbered = [i for k, i in r.store.items() if k.startswith('invoice:')
                and i.customer == inv.customer and getattr(i, 'number', None)]
    inv.number = '%s-%04d' % (prefix, len(numbered) + 1)
    if getattr(inv, 'days_until_due', None) is not None:
        inv.due_date = inv.created + inv.days_until_due * DAY
    event('invoice.finalized', inv)
    if inv.status == 'paid':  # nothing to pay: Stripe marks it paid at once
        inv.status_transitions['paid_at'] = int(time.time())
        event('invoice.paid', inv)
    return inv


def send(id, **others):
    no_unknown(others)
    inv = invoice_named(id, 'id')
    if getattr(inv, 'collection_method', None) != 'send_invoice':
        raise refuse("You can only send an invoice whose collection_method is send_invoice")
    if inv.status not in ('open', 'paid'):
        raise refuse('Only a finalized invoice can be sent; this one is %s' % inv.status)
    event('invoice.sent', inv)
    return inv


original_pay = r.Invoice._api_pay_invoice


def pay(id, paid_out_of_band=None, **others):
    no_unknown(others)
    if paid_out_of_band is None or not as_bool(paid_out_of_band, 'paid_out_of_band'):
        return original_pay(id)
    inv = invoice_named(id, 'id')
    if inv.status != 'open':
        raise refuse('Only an open invoice can be paid out of band; this one is %s'
                     % inv.status)
    inv._paid_out_of_band = True
    inv.paid_out_of_band = True
    inv.status_transitions['paid_at'] = int(time.time())
    event('invoice.paid', inv)
    return inv


def void(id, **others):
    no_unknown(others)
    inv = invoice_named(id, 'id')
    if inv.status != 'open':
        raise refuse('Only an open invoice can be voided; this one is %s' % inv.status)
    if inv.payment_intent:
        r.PaymentIntent._api_cancel(inv.payment_intent)
    inv._voided = True
    inv.status_transitions['voided_at'] = int(time.time())
    if inv.subscription:
        r.Subscription._api_retrieve(inv.subscription)._on_initial_payment_voided(inv)
    event('invoice.voided', inv)
    return inv


original_status = r.Invoice.status.fget


def status(inv):
    if getattr(inv, '_paid_out_of_band', False) and not inv._voided:
        return 'paid'
    return original_status(inv)


# 5. Fields async-stripe requires -----------------------------------------------------------

def fill_invoice(inv, o):
    o['amount_remaining'] = o['amount_due'] - o['amount_paid']
    for key, value in (('amount_overpaid', 0), ('amount_shipping', 0),
                       ('post_payment_credit_notes_amount', 0),
                       ('pre_payment_credit_notes_amount', 0), ('discounts', []),
                       ('issuer', {'type': 'self'}), ('payment_settings', {}),
                       ('automatic_tax', {'enabled': False, 'status': None}),
                       ('number', None), ('due_date', None), ('custom_fields', None)):
        o.setdefault(key, value)
    if o.get('default_tax_rates') is None:
        o['default_tax_rates'] = []
    for key in ('period_start', 'period_end'):
        if o.get(key) is None:
            o[key] = o['created']


def fill_line(line, o):
    o.setdefault('discountable', True)
    o.setdefault('discounts', [])
    o.setdefault('subtotal', o['amount'])


def fill_item(item, o):
    o.setdefault('discountable', True)
    o.setdefault('quantity_decimal', str(o.get('quantity', 1)))


def fill_payment_intent(pi, o):
    o['amount_received'] = o['amount'] if o['status'] == 'succeeded' else 0
    o['amount_capturable'] = o['amount'] if o['status'] == 'requires_capture' else 0
    o.setdefault('confirmation_method', 'automatic')
    o.setdefault('payment_method_types', ['card'])
    if pi.latest_charge is not None:
        o['latest_charge'] = pi.latest_charge.id
    if o.get('last_payment_error'):
        o['last_payment_error'].setdefault('type', 'card_error')


original_event_init = r.Event.__init__


def event_init(ev, type, data):
    original_event_init(ev, type, data)
    ev.pending_webhooks = sum(
        1 for w in _webhooks.values() if w.events is None or type in w.events)
    ev.request = {'id': None, 'idempotency_key': None}


def filled(cls, fill):
    export = cls._export

    def _export(self, expand=None):
        o = export(self, expand=expand)
        fill(self, o)
        return o
    cls._export = _export


# 6. Stripe's largest amount ----------------------------------------------------------------

original_pi_create = r.PaymentIntent._api_create.__func__


def create_payment_intent(cls, **data):
    amount = r.try_convert_to_int(data.get('amount'))
    if type(amount) is int and amount > MAX_AMOUNT:
        raise refuse('Amount must be no more than %s999,999.99'
                     % {'gbp': '£', 'eur': '€', 'usd': '$'}.get(data.get('currency'), ''),
                     'amount', 'amount_too_large')
    return original_pi_create(cls, **data)


def route(method, url, func):
    for i, (m, u, _) in enumerate(r.extra_apis):
        if (m, u) == (method, url):
            r.extra_apis[i] = (method, url, func)
            return
    r.extra_apis.append((method, url, func))


def install():
    """Extends localstripe's resources; call before `localstripe.server` is imported (it reads
    `extra_apis` once, when it builds its routes)."""
    r.Invoice._api_create = classmethod(create_invoice)
    r.InvoiceItem._api_create = classmethod(create_item)
    r.PaymentIntent._api_create = classmethod(create_payment_intent)
    r.Invoice.status = property(status)
    route('POST', '/v1/invoices/{id}/finalize', finalize)
    route('POST', '/v1/invoices/{id}/send', send)
    route('POST', '/v1/invoices/{id}/pay', pay)
    route('POST', '/v1/invoices/{id}/void', void)
    filled(r.Invoice, fill_invoice)
    filled(r.InvoiceLineItem, fill_line)
    filled(r.InvoiceItem, fill_item)
    filled(r.PaymentIntent, fill_payment_intent)
    r.Event.__init__ = event_init
