import { useEffect, useId, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import type { components } from "../../api/schema";
import { useI18n } from "../../i18n";
import { errorMessage } from "../../conversation/attachments";
import { formatBytes } from "../../conversation/files";
import { entryNames, withImageAnswer } from "./materials";

type Material = components["schemas"]["Material"];

/** The account's permanent images beside the FAQ entries: upload one, then make it an entry's
 * answer in a language (the entries' JSON changes; Save keeps it). */
export function FaqMaterials({
  api,
  accountId,
  language,
  entries,
  onEntries,
}: {
  api: Api;
  accountId: string;
  language: string;
  entries: string;
  onEntries: (entries: string) => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [materials, setMaterials] = useState<Material[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const names = entryNames(entries);
  const [entry, setEntry] = useState("");
  const [lang, setLang] = useState(language);
  const chosenEntry = names.includes(entry) ? entry : (names[0] ?? "");
  const path = { params: { path: { id: accountId } } };

  const load = async () => {
    const { data, error: failure } = await api.GET("/api/admin/accounts/{id}/materials", path);
    if (data) setMaterials(data.materials);
    else setError(t("materials.failed", { message: errorMessage(failure) }));
  };
  useEffect(() => void load(), [api, accountId]);

  const upload = async (form: HTMLFormElement) => {
    const fields = new FormData(form);
    const file = fields.get("file");
    if (!(file instanceof File) || file.size === 0) return;
    const body = new FormData();
    body.append("file", file, file.name);
    const name = String(fields.get("name") ?? "").trim();
    if (name) body.append("name", name);
    setBusy(true);
    setError(null);
    const { data, error: failure } = await api.POST("/api/admin/accounts/{id}/materials", {
      ...path,
      body: body as unknown as components["schemas"]["MaterialUpload"],
    });
    setBusy(false);
    if (data) {
      form.reset();
      setMaterials((current) => [...(current ?? []), data]);
    } else setError(t("materials.failed", { message: errorMessage(failure) }));
  };

  const remove = async (material: Material) => {
    setError(null);
    const { error: failure, response } = await api.DELETE(
      "/api/admin/accounts/{id}/materials/{materialId}",
      { params: { path: { id: accountId, materialId: material.id } } },
    );
    if (response.ok) setMaterials((current) => (current ?? []).filter((m) => m.id !== material.id));
    else setError(t("materials.failed", { message: errorMessage(failure) }));
  };

  const use = (material: Material) => {
    const changed = withImageAnswer(entries, chosenEntry, lang, material.mediaId);
    if (changed === null) return;
    onEntries(changed);
    setNote(t("materials.used", { name: material.name, entry: chosenEntry, language: lang }));
  };

  return (
    <div class="ws-materials">
      <h3>{t("materials.heading")}</h3>
      <p class="ws-hint">{t("materials.intro")}</p>
      <form
        class="ws-material-upload"
        onSubmit={(event) => {
          event.preventDefault();
          void upload(event.currentTarget);
        }}
      >
        <label for={`${id}-file`}>{t("materials.file")}</label>
        <input id={`${id}-file`} name="file" type="file" accept="image/jpeg,image/png,image/gif,image/bmp" required />
        <label for={`${id}-name`}>{t("materials.name")}</label>
        <input id={`${id}-name`} name="name" maxLength={100} />
        <button type="submit" disabled={busy}>
          {busy ? t("materials.uploading") : t("materials.upload")}
        </button>
      </form>
      {names.length > 0 && (
        <p class="ws-material-target">
          <label for={`${id}-entry`}>{t("materials.entry")}</label>
          <select id={`${id}-entry`} value={chosenEntry} onChange={(e) => setEntry(e.currentTarget.value)}>
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
          <label for={`${id}-lang`}>{t("materials.language")}</label>
          <input id={`${id}-lang`} value={lang} size={8} onInput={(e) => setLang(e.currentTarget.value)} />
        </p>
      )}
      {materials === null ? (
        <p class="ws-hint">{t("materials.loading")}</p>
      ) : materials.length === 0 ? (
        <p class="ws-hint">{t("materials.empty")}</p>
      ) : (
        <ul class="ws-material-list">
          {materials.map((material) => (
            <li key={material.id}>
              <span class="ws-material-name">{material.name}</span>
              <span class="ws-hint">{formatBytes(material.size)}</span>
              <code>{material.mediaId}</code>
              <button type="button" disabled={names.length === 0} onClick={() => use(material)}>
                {t("materials.use")}
              </button>
              <button type="button" onClick={() => void remove(material)}>
                {t("materials.delete")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {note && (
        <p role="status" class="ws-hint">
          {note}
        </p>
      )}
      {error && (
        <p role="alert" class="ws-error">
          {error}
        </p>
      )}
    </div>
  );
}
