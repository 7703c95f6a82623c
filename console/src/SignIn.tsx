import { useState } from "preact/hooks";

import { useI18n } from "./i18n";
import type { MessageKey } from "./i18n/messages";
import { type SignInFailure, type TokenSession, signIn } from "./session";

const FAILURES: Record<SignInFailure, MessageKey> = {
  invalid: "signIn.invalid",
  disabled: "signIn.disabled",
  unavailable: "signIn.unavailable",
};

export function SignIn({
  notice,
  onSignedIn,
}: {
  notice: MessageKey | null;
  onSignedIn: (session: TokenSession) => void;
}) {
  const { t } = useI18n();
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await signIn(token.trim());
    setBusy(false);
    if (typeof result === "string") setError(FAILURES[result]);
    else onSignedIn(result);
  }

  return (
    <main class="sign-in">
      <h1>{t("signIn.heading")}</h1>
      <p>{t("signIn.intro")}</p>
      {notice && !error && (
        <p class="notice" role="status">
          {t(notice)}
        </p>
      )}
      <form onSubmit={submit}>
        <label for="access-token">{t("signIn.token")}</label>
        <input
          id="access-token"
          type="password"
          autocomplete="off"
          required
          value={token}
          onInput={(event) => setToken((event.target as HTMLInputElement).value)}
          aria-describedby={error ? "sign-in-error" : undefined}
        />
        <button type="submit" disabled={busy || !token.trim()}>
          {busy ? t("signIn.checking") : t("signIn.submit")}
        </button>
        {error && (
          <p id="sign-in-error" class="error" role="alert">
            {t(error)}
          </p>
        )}
      </form>
    </main>
  );
}
