import { useEffect, useState } from "preact/hooks";

import type { Api } from "../api/client";
import type { components } from "../api/schema";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/messages";
import { errorMessage } from "./attachments";

type Panel = components["schemas"]["CustomerPanel"];
type Tag = components["schemas"]["TagView"];
type State = components["schemas"]["ConversationState"];

export const STATE: Record<State, MessageKey> = {
  open: "state.open",
  active: "state.active",
  waiting: "conversation.state.waiting",
  wrapup: "state.wrapup",
  closed: "state.closed",
};

/** WeChat's limits on what an account keeps of a follower (docs/protocol.md §9). */
export const MAX_REMARK_CHARS = 30;
export const MAX_TAGS = 20;

export function formatDate(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

/** A tag by its name when the account's list is known, else by its id. */
export function tagName(id: number, tags: readonly Tag[] | null): string {
  return tags?.find((tag) => tag.id === id)?.name ?? String(id);
}

/** Who the customer is: OpenID, subscription, scene, WeChat's profile (remark, tags, UnionID)
 * and their earlier conversations; the conversation's agent edits the remark and the tags. */
export function CustomerPanel({
  api,
  conversationId,
  revision,
  editable = false,
}: {
  api: Api;
  conversationId: string;
  revision: number;
  editable?: boolean;
}) {
  const { t, language } = useI18n();
  const [panel, setPanel] = useState<Panel | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tags, setTags] = useState<Tag[] | null>(null);
  const [tagsError, setTagsError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [remark, setRemark] = useState("");
  const [chosen, setChosen] = useState<number[]>([]);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const path = { params: { path: { id: conversationId } } };

  useEffect(() => {
    let live = true;
    void api.GET("/api/agent/conversations/{id}/customer", path).then(({ data, error: failure }) => {
      if (!live) return;
      if (data) {
        setPanel(data);
        setError(null);
      } else setError(t("customer.loadFailed", { message: errorMessage(failure) }));
    });
    return () => {
      live = false;
    };
  }, [api, conversationId, revision]);

  useEffect(() => {
    setEditing(false);
    setTags(null);
    setTagsError(null);
  }, [conversationId]);

  // The account's tags name the customer's, and are what the editor offers.
  const wantTags = editing || Boolean(panel?.tagIds?.length);
  useEffect(() => {
    if (!wantTags || tags) return;
    let live = true;
    void api
      .GET("/api/agent/conversations/{id}/customer/tags", path)
      .then(({ data, error: failure }) => {
        if (!live) return;
        if (data) setTags(data.tags);
        else setTagsError(t("customer.tagsFailed", { message: errorMessage(failure) }));
      });
    return () => {
      live = false;
    };
  }, [api, conversationId, wantTags, tags]);

  // Absent until WeChat has told us of a follow or an unfollow: "unknown", not "no".
  const subscribed = (value: boolean | null | undefined, at: string | null | undefined) => {
    const answer =
      value == null ? t("customer.unknown") : value ? t("customer.yes") : t("customer.no");
    return at ? t("customer.since", { answer, date: formatDate(at, language) }) : answer;
  };

  const startEditing = (current: Panel) => {
    setRemark(current.remark ?? "");
    setChosen([...(current.tagIds ?? [])]);
    setSaveError(null);
    setEditing(true);
  };

  const toggle = (id: number) =>
    setChosen((ids) => (ids.includes(id) ? ids.filter((i) => i !== id) : [...ids, id]));

  const save = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setSaveError(null);
    const { data, error: failure } = await api.PUT("/api/agent/conversations/{id}/customer", {
      ...path,
      body: { remark, tagIds: chosen },
    });
    setSaving(false);
    if (data) {
      setPanel(data);
      setEditing(false);
    } else setSaveError(t("customer.saveFailed", { message: errorMessage(failure) }));
  };

  // WeChat's tags by name where the account's list is known; tags set otherwise as they are.
  const tagIds = panel?.tagIds ?? [];
  const labels = tagIds.length ? tagIds.map((id) => tagName(id, tags)) : (panel?.tags ?? []);
  return (
    <aside class="cv-customer" aria-label={t("customer.label")}>
      <h3>{panel?.name || t("customer.wechatUser")}</h3>
      {error && (
        <p role="alert" class="cv-error">
          {error}
        </p>
      )}
      {panel && (
        <>
          <dl>
            <dt>{t("customer.remark")}</dt>
            <dd class="cv-remark">{panel.remark || t("customer.none")}</dd>
            <dt>{t("customer.openId")}</dt>
            <dd class="cv-openid">{panel.openId}</dd>
            <dt>{t("customer.subscribed")}</dt>
            <dd>{subscribed(panel.subscribed, panel.subscribeTime ?? panel.subscriptionChangedAt)}</dd>
            <dt>{t("customer.scene")}</dt>
            <dd>{panel.scene || t("customer.none")}</dd>
            {panel.subscribeScene && panel.subscribeScene !== panel.scene && (
              <>
                <dt>{t("customer.followedVia")}</dt>
                <dd>{panel.subscribeScene}</dd>
              </>
            )}
            <dt>{t("customer.tags")}</dt>
            <dd>
              {labels.length ? (
                <ul class="cv-tags">
                  {labels.map((label) => (
                    <li key={label}>{label}</li>
                  ))}
                </ul>
              ) : (
                t("customer.none")
              )}
            </dd>
            {panel.unionId && (
              <>
                <dt>{t("customer.unionId")}</dt>
                <dd class="cv-openid">{panel.unionId}</dd>
              </>
            )}
          </dl>
          <p class="cv-note cv-profile-read">
            {panel.profileFetchedAt
              ? t("customer.profileRead", { date: formatDate(panel.profileFetchedAt, language) })
              : t("customer.profileNotRead")}
          </p>
          {editable && !editing && (
            <button type="button" class="cv-customer-edit" onClick={() => startEditing(panel)}>
              {t("customer.edit")}
            </button>
          )}
          {editing && (
            <form class="cv-customer-form" onSubmit={(e) => void save(e)}>
              <label>
                {t("customer.remark")}
                <input
                  type="text"
                  value={remark}
                  maxLength={MAX_REMARK_CHARS}
                  aria-describedby="cv-remark-hint"
                  onInput={(e) => setRemark((e.target as HTMLInputElement).value)}
                />
              </label>
              <small id="cv-remark-hint">{t("customer.remarkHint")}</small>
              <fieldset>
                <legend>{t("customer.tags")}</legend>
                {tagsError && <p role="alert" class="cv-error">{tagsError}</p>}
                {tags && !tags.length && <p class="cv-note">{t("customer.noTags")}</p>}
                {tags?.map((tag) => (
                  <label key={tag.id} class="cv-tag-choice">
                    <input
                      type="checkbox"
                      checked={chosen.includes(tag.id)}
                      disabled={!chosen.includes(tag.id) && chosen.length >= MAX_TAGS}
                      onChange={() => toggle(tag.id)}
                    />
                    {tag.name}
                  </label>
                ))}
                {chosen.length >= MAX_TAGS && <p class="cv-note">{t("customer.tooManyTags")}</p>}
              </fieldset>
              {saveError && (
                <p role="alert" class="cv-error">
                  {saveError}
                </p>
              )}
              <div class="cv-customer-actions">
                <button type="submit" class="cv-primary" disabled={saving}>
                  {saving ? t("customer.saving") : t("customer.save")}
                </button>
                <button type="button" disabled={saving} onClick={() => setEditing(false)}>
                  {t("customer.cancel")}
                </button>
              </div>
            </form>
          )}
          <h4>{t("customer.earlier")}</h4>
          {panel.conversations.length ? (
            <ul class="cv-earlier">
              {panel.conversations.map((other) => (
                <li key={other.id}>
                  <time dateTime={other.createdAt}>{formatDate(other.createdAt, language)}</time>
                  <span>{t(STATE[other.state])}</span>
                  <span>{other.agentName ?? t("customer.noAgent")}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p class="cv-note">{t("customer.none")}</p>
          )}
        </>
      )}
    </aside>
  );
}
