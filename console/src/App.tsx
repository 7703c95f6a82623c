import { useEffect, useMemo, useState } from "preact/hooks";

import { apiClient, type SessionEnd } from "./api/client";
import { LanguageSelect, useI18n } from "./i18n";
import type { MessageKey } from "./i18n/messages";
import { forgetToken, savedToken, signIn, type TokenSession } from "./session";
import { SignIn } from "./SignIn";
import { Shell } from "./Shell";

/** Signed out, signing back in from the tab's saved token, or signed in. */
export function App() {
  const { t } = useI18n();
  const [session, setSession] = useState<TokenSession | null>(null);
  const [restoring, setRestoring] = useState(() => savedToken() !== null);
  const [notice, setNotice] = useState<MessageKey | null>(null);

  useEffect(() => {
    const token = savedToken();
    if (!token) return;
    void signIn(token).then((result) => {
      if (typeof result === "string") {
        forgetToken();
        setNotice("signIn.expired");
      } else setSession(result);
      setRestoring(false);
    });
  }, []);

  const end = (why: MessageKey) => {
    forgetToken();
    setSession(null);
    setNotice(why);
  };
  const api = useMemo(() => {
    if (!session) return null;
    const ended = (why: SessionEnd) => end(why === "disabled" ? "signIn.disabled" : "signIn.expired");
    return apiClient(() => session.bearer(), ended);
  }, [session]);

  return (
    <div class="app">
      <header class="top">
        <span class="brand">{t("app.title")}</span>
        <LanguageSelect />
        {session && (
          <>
            <span class="who">
              {t("session.signedInAs", {
                name: session.agent?.name ?? t("session.admin"),
              })}
            </span>
            <button type="button" onClick={() => end("signIn.signedOut")}>
              {t("session.signOut")}
            </button>
          </>
        )}
      </header>
      {restoring ? (
        <p role="status">{t("common.loading")}</p>
      ) : session && api ? (
        <Shell session={session} api={api} />
      ) : (
        <SignIn
          notice={notice}
          onSignedIn={(signedIn) => {
            signedIn.save();
            setNotice(null);
            setSession(signedIn);
          }}
        />
      )}
    </div>
  );
}
