import { useEffect, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import type { components } from "../../api/schema";
import { useI18n } from "../../i18n";
import { followLink, href } from "../../router";

type CallbackInfo = components["schemas"]["CallbackInfo"];

/** The form's second step: what to paste in WeChat's console, then Finish. */
export function CallbackStep({ api, accountId }: { api: Api; accountId: string }) {
  const { t } = useI18n();
  const [info, setInfo] = useState<CallbackInfo | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    api.GET("/api/admin/accounts/{id}/callback", { params: { path: { id: accountId } } }).then(
      ({ data }) => (data ? setInfo(data) : setFailed(true)),
      () => setFailed(true),
    );
  }, [api, accountId]);
  return (
    <main class="page accounts">
      <h1>{t("accounts.new")}</h1>
      <ol class="ac-steps" aria-label={t("accounts.stepsLabel")}>
        <li>{t("accounts.step.details")}</li>
        <li aria-current="step">{t("accounts.step.callback")}</li>
      </ol>
      {failed ? (
        <p role="alert" class="ac-error">
          {t("accounts.loadFailed")}
        </p>
      ) : info === null ? (
        <p class="ac-muted" role="status">
          {t("common.loading")}
        </p>
      ) : (
        <>
          <p class="ac-notice" role="status">
            {t("accounts.created")}
          </p>
          <CallbackInformation info={info} />
          <div class="ac-actions">
            <a class="ac-button ac-primary" href={href("accounts", accountId)} onClick={followLink}>
              {t("accounts.finish")}
            </a>
          </div>
        </>
      )}
    </main>
  );
}

/** The Server address (URL) and the IP allowlist, each with Copy, and the steps in WeChat's
 * console. */
export function CallbackInformation({ info }: { info: CallbackInfo }) {
  const { t } = useI18n();
  const ips = info.ipAllowlist.join("\n");
  return (
    <section class="ac-card" aria-labelledby="ac-callback-title">
      <h2 id="ac-callback-title">{t("accounts.callback.title")}</h2>
      <CopyValue label={t("accounts.callback.serverUrl")} value={info.serverUrl} />
      {info.ipAllowlist.length > 0 ? (
        <CopyValue label={t("accounts.callback.ipAllowlist")} value={ips} multiline />
      ) : (
        <div class="ac-copy">
          <span class="ac-label">{t("accounts.callback.ipAllowlist")}</span>
          <p class="ac-hint">{t("accounts.callback.noIps")}</p>
        </div>
      )}
      <h3>{t("accounts.callback.stepsTitle")}</h3>
      <ol class="ac-howto">
        <li>{t("accounts.callback.step1")}</li>
        <li>{t("accounts.callback.step2")}</li>
        <li>{t("accounts.callback.step3")}</li>
        <li>{t("accounts.callback.step4")}</li>
      </ol>
    </section>
  );
}

/** A value to paste elsewhere, shown whole, with a Copy button that says when it copied. */
export function CopyValue({
  label,
  value,
  multiline = false,
}: {
  label: string;
  value: string;
  multiline?: boolean;
}) {
  const { t } = useI18n();
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2500);
    return () => clearTimeout(timer);
  }, [state]);
  const copy = () =>
    navigator.clipboard.writeText(value).then(
      () => setState("copied"),
      () => setState("failed"),
    );
  return (
    <div class="ac-copy">
      <span class="ac-label">{label}</span>
      <div class="ac-row">
        {multiline ? (
          <pre class="ac-value ac-mono">{value}</pre>
        ) : (
          <code class="ac-value ac-mono">{value}</code>
        )}
        <button
          type="button"
          class="ac-button"
          aria-label={t("accounts.copyNamed", { what: label })}
          onClick={copy}
        >
          {t("common.copy")}
        </button>
      </div>
      <p class="ac-copy-state" role="status">
        {state === "copied" ? t("common.copied") : state === "failed" ? t("accounts.copyFailed") : ""}
      </p>
    </div>
  );
}
