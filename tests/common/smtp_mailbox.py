"""The tests' SMTP server handler: aiosmtpd's Maildir handler, which also refuses (550) any
recipient whose address starts with ``bounce``, as a real server refuses an unknown user."""

from aiosmtpd.handlers import Mailbox


class TestMailbox(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("bounce"):
            return "550 5.1.1 <%s>: no such mailbox here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
