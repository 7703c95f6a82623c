"""The admin's use cases for an account's template messages (docs/protocol.md §6.3): register,
change and remove templates, and import the ones chosen in WeChat's console."""

from __future__ import annotations

import time
from collections.abc import Callable

from shared.channel.access_tokens import AccessTokens, AccountDisabledError, NoAccountError
from shared.channel.registry import AccountRegistry
from shared.core.errors import ConflictError, InvalidRequestError, not_found
from shared.core.schema import ViewModel
from shared.model.conversations import utc
from shared.model.templates import (
    TEMPLATE_ID,
    Template,
    TemplateFields,
    TemplateImport,
    TemplateView,
    fields_of_content,
    wechat_day,
)
from shared.store.templates import TemplateStore
from shared.wechat.api import WeChatApi
from shared.wechat.errors import WeChatError


class ImportResult(ViewModel):
    imported: list[TemplateView]
    skipped: list[str]
    """WeChat's template ids left alone: registered already, or with nothing to fill."""


class TemplateAdmin:
    def __init__(
        self,
        accounts: AccountRegistry,
        templates: TemplateStore,
        tokens: AccessTokens,
        api: WeChatApi,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._accounts = accounts
        self._templates = templates
        self._tokens = tokens
        self._api = api
        self._clock = clock

    def _view(self, template: Template) -> TemplateView:
        day = wechat_day(utc(self._clock()))
        sent = self._templates.sent_on(template.account_id, template.template_id, day)
        return TemplateView.of(template, sent)

    def list(self, account_id: str) -> list[TemplateView]:
        self._accounts.get(account_id)
        return [self._view(t) for t in self._templates.list(account_id)]

    def get(self, account_id: str, template_id: str) -> TemplateView:
        self._accounts.get(account_id)
        template = self._templates.get(account_id, template_id)
        if template is None:
            raise not_found(f"template {template_id}")
        return self._view(template)

    def put(
        self, account_id: str, template_id: str, fields: TemplateFields
    ) -> tuple[TemplateView, bool]:
        """Register or replace → (the template, whether it is new)."""
        self._accounts.get(account_id)
        if not TEMPLATE_ID.fullmatch(template_id):
            raise InvalidRequestError(
                "templateId must be 1-128 letters, digits, _ or - (WeChat's template_id)",
                field="templateId",
            )
        template = Template(
            **fields.model_dump(),
            account_id=account_id,
            template_id=template_id,
            updated_at=utc(self._clock()),
        )
        created = self._templates.put(template)
        return self._view(template), created

    def delete(self, account_id: str, template_id: str) -> None:
        self._accounts.get(account_id)
        if not self._templates.delete(account_id, template_id):
            raise not_found(f"template {template_id}")

    def import_from_wechat(self, account_id: str, request: TemplateImport) -> ImportResult:
        """``get_all_private_template``: each template's ``{{name.DATA}}`` placeholders become
        its fields, labelled by the text before them."""
        self._accounts.get(account_id)
        try:
            listed = self._tokens.call(account_id, self._api.private_templates)
        except (WeChatError, AccountDisabledError, NoAccountError) as error:
            raise ConflictError(
                f"WeChat's list of the account's templates could not be read: {error}",
                code="wechat_refused",
            ) from None
        imported: list[TemplateView] = []
        skipped: list[str] = []
        for item in listed:
            template_id = str(item.get("template_id", ""))
            if not TEMPLATE_ID.fullmatch(template_id):
                continue
            fields = fields_of_content(str(item.get("content", "")))
            if not fields or self._templates.get(account_id, template_id) is not None:
                skipped.append(template_id)
                continue
            title = str(item.get("title") or template_id)[:100]
            view, _ = self.put(
                account_id,
                template_id,
                TemplateFields(title=title, fields=fields, enabled=request.enabled),
            )
            imported.append(view)
        return ImportResult(imported=imported, skipped=skipped)
