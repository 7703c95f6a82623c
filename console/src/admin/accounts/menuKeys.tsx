import { useEffect, useState } from "preact/hooks";

import type { Api } from "../../api/client";

/** The id of the datalist that offers the account's menu keys (rules on ``event.key``). */
export const MENU_KEYS_LIST = "menu-keys";

/** The click keys of the account's menu draft, as suggestions for ``event.key`` values. */
export function MenuKeysList({ api, accountId }: { api: Api; accountId: string | undefined }) {
  const [keys, setKeys] = useState<string[]>([]);
  useEffect(() => {
    if (!accountId) return;
    api.GET("/api/admin/accounts/{id}/menu", { params: { path: { id: accountId } } }).then(
      ({ data }) => setKeys(data?.keys ?? []),
      () => setKeys([]),
    );
  }, [api, accountId]);
  return (
    <datalist id={MENU_KEYS_LIST}>
      {keys.map((key) => (
        <option key={key} value={key} />
      ))}
    </datalist>
  );
}
