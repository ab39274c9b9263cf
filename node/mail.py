"""Sending the queued e-mails through the node's SMTP server (``[mail]`` in
``samenspraak.toml``), from the periodic jobs: never inside a transaction or a request.

A mail the server does not take is tried again later, each time waiting twice as
long (from a minute up to six hours); after MAX_ATTEMPTS, or when the server
refuses it for good (a 5xx answer), the node gives it up with a log line.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import aiosmtplib

from node.config import MailConfig
from node.storage.mail import MailQueue, QueuedMail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = 60.0
LONGEST_WAIT = 6 * 3600.0
SEND_TIMEOUT = 30.0
MAILS_PER_ROUND = 50


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failure."""
    return float(min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT))


def mail_message(config: MailConfig, node_name: str, mail: QueuedMail) -> EmailMessage:
    """The message as sent: from the node's name at its sender address, in plain text."""
    message = EmailMessage()
    message["From"] = formataddr((node_name, config.sender))
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2])
    # Out-of-office replies and the like are not sent back to a machine's mail.
    message["Auto-Submitted"] = "auto-generated"
    if mail.unsubscribe:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe}>"
    message.set_content(mail.body)
    return message


async def send_message(config: MailConfig, message: EmailMessage) -> None:
    """Hand one message to the SMTP server; raises aiosmtplib's errors or OSError."""
    await aiosmtplib.send(
        message,
        hostname=config.host,
        port=config.port,
        username=config.username or None,
        password=config.password or None,
        use_tls=config.security == "tls",
        start_tls=True if config.security == "starttls" else False,
        timeout=SEND_TIMEOUT,
    )


async def send_due_mail(queue: MailQueue, config: MailConfig, node_name: str, now: float) -> int:
    """Send the mails due at ``now``; return how many the server took."""
    if not config.offered:
        return 0
    sent = 0
    for mail in await queue.due(now, MAILS_PER_ROUND):
        try:
            await send_message(config, mail_message(config, node_name, mail))
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            await _failed(queue, mail, exc, now)
            continue
        await queue.sent(mail)
        sent += 1
    return sent


async def _failed(queue: MailQueue, mail: QueuedMail, exc: Exception, now: float) -> None:
    error = f"{type(exc).__name__}: {exc}"
    refused = isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500
    attempts = mail.attempts + 1
    if refused or attempts >= MAX_ATTEMPTS:
        log.warning("mail %d gave up after %d attempts: %s", mail.id, attempts, error)
        await queue.give_up(mail, error)
        return
    log.info("mail %d not sent (attempt %d), tried again later: %s", mail.id, attempts, error)
    await queue.retry_later(mail, error, now + retry_delay(attempts))
