import { useEffect, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import type { components } from "../../api/schema";
import { useI18n } from "../../i18n";
import { CopyValue } from "./CallbackStep";

type Report = components["schemas"]["GoLiveReport"];

/** Does the channel work? Run on opening the account, after a change, and on request. */
export function GoLiveCheck({
  api,
  accountId,
  revision,
}: {
  api: Api;
  accountId: string;
  revision: number;
}) {
  const { t, language } = useI18n();
  const [report, setReport] = useState<Report | null>(null);
  const [running, setRunning] = useState(true);
  const [failed, setFailed] = useState(false);
  const [runs, setRuns] = useState(0);
  useEffect(() => {
    let live = true;
    setRunning(true);
    setFailed(false);
    api
      .GET("/api/admin/accounts/{id}/check", { params: { path: { id: accountId } } })
      .then(
        ({ data }) => live && (data ? setReport(data) : setFailed(true)),
        () => live && setFailed(true),
      )
      .finally(() => live && setRunning(false));
    return () => {
      live = false;
    };
  }, [api, accountId, revision, runs]);

  const when = (iso: string) => new Date(iso).toLocaleString(language);
  const token = report?.accessToken;
  const pushes = report?.pushes;
  return (
    <section class="ac-card" aria-labelledby="ac-check-title" aria-busy={running}>
      <div class="ac-card-head">
        <h2 id="ac-check-title">{t("check.title")}</h2>
        <button type="button" class="ac-button" disabled={running} onClick={() => setRuns(runs + 1)}>
          {running ? t("check.running") : t("check.run")}
        </button>
      </div>
      {failed && (
        <p role="alert" class="ac-error">
          {t("check.failed")}
        </p>
      )}
      {!report && !failed && (
        <p class="ac-muted" role="status">
          {t("check.running")}
        </p>
      )}
      {report && (
        <>
          <p class={report.ready ? "ac-verdict ac-good" : "ac-verdict ac-bad"} role="status">
            {t(report.ready ? "check.ready" : "check.notReady")}
          </p>
          <ul class="ac-checks">
            <Item
              ok={report.urlVerification.verified}
              title={t("check.url")}
              detail={
                report.urlVerification.lastVerifiedAt
                  ? t("check.urlVerified", { time: when(report.urlVerification.lastVerifiedAt) })
                  : t("check.urlNotVerified")
              }
            />
            <Item ok={token!.ok} title={t("check.token")} detail={tokenDetail(report, t)}>
              {token!.errcode !== undefined && token!.errcode !== null && (
                <p class="ac-hint">
                  {t("check.wechatSaid", { code: token!.errcode, message: token!.errmsg ?? "" })}
                </p>
              )}
              {(token!.ipsToAdd ?? []).length > 0 && (
                <CopyValue
                  label={t("check.ipsToAdd")}
                  value={token!.ipsToAdd!.join("\n")}
                  multiline
                />
              )}
            </Item>
            <Item
              ok={pushes!.matchesMode ?? null}
              title={t("check.mode", { mode: t(`accounts.mode.${report.messageMode}`) })}
              detail={
                pushes!.matchesMode === false
                  ? t("check.modeMismatch", { message: pushes!.lastRefusalMessage ?? "" })
                  : pushes!.matchesMode
                    ? t(pushes!.lastPushEncrypted ? "check.modeEncrypted" : "check.modePlain")
                    : t("check.modeUnknown")
              }
            />
            <Item
              ok={pushes!.lastPushAt ? true : null}
              title={t("check.lastPush")}
              detail={
                pushes!.lastPushAt
                  ? t("check.lastPushAt", { time: when(pushes!.lastPushAt) })
                  : t("check.noPush")
              }
            >
              {pushes!.lastRefusalAt && pushes!.matchesMode !== false && (
                <p class="ac-hint">
                  {t("check.lastRefusal", {
                    time: when(pushes!.lastRefusalAt),
                    message: pushes!.lastRefusalMessage ?? pushes!.lastRefusalCode ?? "",
                  })}
                </p>
              )}
            </Item>
          </ul>
          <p class="ac-hint">{t("check.checkedAt", { time: when(report.checkedAt) })}</p>
        </>
      )}
    </section>
  );
}

function tokenDetail(report: Report, t: ReturnType<typeof useI18n>["t"]): string {
  const token = report.accessToken;
  if (token.ok) return t("check.tokenOk");
  switch (token.problem) {
    case "appSecret":
      return t("check.tokenAppSecret");
    case "appId":
      return t("check.tokenAppId");
    case "ipWhitelist":
      return t("check.tokenIp");
    case "disabled":
      return t("check.tokenDisabled");
    case "wechatUnavailable":
      return t("check.tokenUnavailable");
    default:
      return token.message ?? t("check.tokenOther");
  }
}

/** One question of the check: passed, failed, or not known yet (nothing came). */
function Item({
  ok,
  title,
  detail,
  children,
}: {
  ok: boolean | null;
  title: string;
  detail: string;
  children?: preact.ComponentChildren;
}) {
  const { t } = useI18n();
  const state = ok === null ? "unknown" : ok ? "pass" : "fail";
  return (
    <li class={`ac-check ac-${state}`}>
      <span class="ac-mark" aria-hidden="true" />
      <div>
        <p class="ac-check-title">
          {title}
          <span class="ac-sr">{` — ${t(`check.state.${state}`)}`}</span>
        </p>
        <p class="ac-check-detail">{detail}</p>
        {children}
      </div>
    </li>
  );
}
