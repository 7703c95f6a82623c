import { useRef, useState } from "preact/hooks";

import { useI18n } from "../../i18n";

/** An agent's bearer token, right after it was made (created or rotated): the API stores only
 * its hash, so this is the one time anyone sees it. */
export function TokenOnce({
  name,
  token,
  onDone,
}: {
  name: string;
  token: string;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const field = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<"idle" | "copied" | "failed">("idle");
  const copyToken = async () => {
    try {
      await navigator.clipboard.writeText(token);
      setCopy("copied");
    } catch {
      field.current?.select(); // the admin copies it with the keyboard instead
      setCopy("failed");
    }
  };
  return (
    <section class="qa-token" aria-labelledby="token-heading">
      <h2 id="token-heading">{t("agents.tokenHeading", { name })}</h2>
      <p>{t("agents.tokenOnce", { name })}</p>
      <div class="qa-token-row">
        <input
          ref={field}
          id="agent-token"
          class="qa-input"
          readOnly
          value={token}
          aria-label={t("agents.token")}
          onFocus={(event) => (event.target as HTMLInputElement).select()}
        />
        <button type="button" class="qa-primary" onClick={() => void copyToken()}>
          {t("common.copy")}
        </button>
        <span role="status" class={copy === "failed" ? "qa-error" : "qa-copied"}>
          {copy === "copied" ? t("common.copied") : copy === "failed" ? t("agents.copyFailed") : ""}
        </span>
      </div>
      <button type="button" class="qa-button" onClick={onDone}>
        {t("agents.tokenDone")}
      </button>
    </section>
  );
}
