"""A queue trigger's listener, with the Storage Queues extension's delivery rules.

- Messages are read raw and decoded here (host.json ``messageEncoding``: base64 or none); one
  that does not decode goes straight to ``<queue>-poison``, as the extension does.
- Up to ``batchSize`` messages are fetched at a time, hidden for 10 minutes while they run
  (``DEVHOST_PROCESSING_VISIBILITY_SECONDS``), and run concurrently; a new batch is fetched
  once at most ``newBatchThreshold`` are running.
- Success deletes the message. Failure makes it visible again after ``visibilityTimeout``,
  unless it has been dequeued ``maxDequeueCount`` times: then it is copied, as it was, to
  ``<queue>-poison`` (created on first use) and deleted. A message already dequeued more often
  than that (a crash mid-invocation) goes to poison without running.
- An empty or missing queue (never created here) is polled with exponential back-off from
  100 ms to ``maxPollingInterval``; finding a message returns to fast polling.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.functions.queue import QueueMessage as FunctionQueueMessage
from azure.storage.queue import QueueClient, QueueMessage, QueueServiceClient

from devhost.app_index import QueueFunction
from devhost.host_config import MIN_POLLING_INTERVAL, QueueOptions
from devhost.invoker import InvocationResult, Invoker

log = logging.getLogger("devhost")

PROCESSING_VISIBILITY_SECONDS = 600  # hidden while running; the host renews, devhost need not
PROCESSING_VISIBILITY_SETTING = "DEVHOST_PROCESSING_VISIBILITY_SECONDS"
"""devhost only: how long a fetched message stays hidden. A host that dies mid-invocation
leaves its messages hidden that long, as in Azure; tests that kill the host shorten it."""
POISON_SUFFIX = "-poison"
_WHITESPACE = str.maketrans("", "", " \t\r\n")


def decode_message_text(text: str, encoding: str) -> bytes:
    """The body the function sees; ``ValueError`` if ``text`` is not valid for ``encoding``."""
    if encoding == "none":
        return text.encode("utf-8")
    try:
        return base64.b64decode(text.translate(_WHITESPACE), validate=True)
    except binascii.Error as error:
        raise ValueError(f"not base64: {error}") from None


class PollingBackoff:
    """Exponential back-off between empty polls, reset when messages arrive."""

    def __init__(self, maximum: timedelta, minimum: timedelta = MIN_POLLING_INTERVAL) -> None:
        self.minimum = minimum.total_seconds()
        self.maximum = max(maximum.total_seconds(), self.minimum)
        self.current = self.minimum

    def reset(self) -> None:
        self.current = self.minimum

    def next_delay(self) -> float:
        delay = self.current
        self.current = min(self.current * 2, self.maximum)
        return delay


class QueueListener:
    """Feeds one queue's messages to one function until ``stop_fetching``."""

    def __init__(
        self,
        function: QueueFunction,
        queues: QueueServiceClient,
        options: QueueOptions,
        invoker: Invoker,
        processing_visibility: int = PROCESSING_VISIBILITY_SECONDS,
    ) -> None:
        self.function = function
        self.options = options
        self.invoker = invoker
        self.processing_visibility = processing_visibility
        # Raw clients (no encode/decode policy): decoding happens here, poison copies are exact.
        self.queue: QueueClient = queues.get_queue_client(function.queue_name)
        self.poison: QueueClient = queues.get_queue_client(function.queue_name + POISON_SUFFIX)
        self.backoff = PollingBackoff(options.max_polling_interval)
        self._stop = threading.Event()
        self._running = 0
        self._slot_free = threading.Condition()
        self._pool = ThreadPoolExecutor(
            max_workers=options.max_concurrency, thread_name_prefix=f"queue-{function.name}"
        )
        self._thread = threading.Thread(
            target=self._poll_forever, name=f"listener-{function.name}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop_fetching(self) -> None:
        """Fetch no more messages; those already fetched keep running."""
        self._stop.set()
        with self._slot_free:
            self._slot_free.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every fetched message is settled (deleted, released or poisoned)."""
        with self._slot_free:
            return self._slot_free.wait_for(lambda: self._running == 0, timeout=max(timeout, 0))

    def close(self) -> None:
        self._pool.shutdown(wait=False)

    def _poll_forever(self) -> None:
        while not self._stop.is_set():
            with self._slot_free:
                self._slot_free.wait_for(
                    lambda: self._stop.is_set() or self._running <= self.options.new_batch_threshold
                )
            if self._stop.is_set():
                return
            messages = self._fetch()
            if not messages:
                self._stop.wait(self.backoff.next_delay())
                continue
            self.backoff.reset()
            for message in messages:
                with self._slot_free:
                    self._running += 1
                self._pool.submit(self._process, message)

    def _fetch(self) -> list[QueueMessage]:
        try:
            pages = self.queue.receive_messages(
                messages_per_page=self.options.batch_size,
                visibility_timeout=self.processing_visibility,
            ).by_page()
            return list(next(pages, []))
        except ResourceNotFoundError:
            return []  # the host treats a missing queue as empty and does not create it
        except Exception as error:
            log.warning("queue %r: cannot receive messages: %s", self.function.queue_name, error)
            return []

    def _process(self, message: QueueMessage) -> None:
        try:
            self._deliver(message)
        except Exception:
            log.exception("queue %r: message %s: storage error", self.queue.queue_name, message.id)
        finally:
            with self._slot_free:
                self._running -= 1
                self._slot_free.notify_all()

    def _deliver(self, message: QueueMessage) -> None:
        raw_text = message.content or ""
        try:
            body = decode_message_text(raw_text, self.options.message_encoding)
        except ValueError as error:
            self._poison(
                message,
                raw_text,
                "queue %r: message %s cannot be decoded (%s; messageEncoding is %s); "
                "moving it to %r",
                self.queue.queue_name,
                message.id,
                error,
                self.options.message_encoding,
                self.poison.queue_name,
            )
            return
        dequeue_count = message.dequeue_count or 1
        if dequeue_count > self.options.max_dequeue_count:
            self._poison(
                message,
                raw_text,
                "queue %r: message %s was dequeued %d times already (more than "
                "maxDequeueCount %d); moving it to %r without running it",
                self.queue.queue_name,
                message.id,
                dequeue_count,
                self.options.max_dequeue_count,
                self.poison.queue_name,
            )
            return
        trigger = FunctionQueueMessage(
            id=message.id,
            body=body,
            dequeue_count=dequeue_count,
            expiration_time=message.expires_on,
            insertion_time=message.inserted_on,
            time_next_visible=message.next_visible_on,
            pop_receipt=message.pop_receipt,
        )
        result: InvocationResult[None] = self.invoker.invoke(self.function, trigger)
        if result.succeeded:
            self._delete(message)
        elif dequeue_count >= self.options.max_dequeue_count:
            self._poison(
                message,
                raw_text,
                "Message has reached MaxDequeueCount of %d. Moving message to queue '%s'.",
                self.options.max_dequeue_count,
                self.poison.queue_name,
            )
        else:
            self._release(message)

    def _poison(self, message: QueueMessage, raw_text: str, why: str, *args: object) -> None:
        """Log ``why % args``, then copy the message, as it was, to poison and delete it."""
        log.warning(why, *args)
        try:
            self.poison.send_message(raw_text)
        except ResourceNotFoundError:
            with contextlib.suppress(ResourceExistsError):
                self.poison.create_queue()
            self.poison.send_message(raw_text)
        self._delete(message)

    def _delete(self, message: QueueMessage) -> None:
        # Gone already (or another listener took it over): nothing to do.
        with contextlib.suppress(ResourceNotFoundError):
            self.queue.delete_message(message)

    def _release(self, message: QueueMessage) -> None:
        # By id, not by message: given the message, the SDK would rewrite its content too.
        with contextlib.suppress(ResourceNotFoundError):
            self.queue.update_message(
                message.id,
                message.pop_receipt,
                visibility_timeout=int(self.options.visibility_timeout.total_seconds()),
            )
