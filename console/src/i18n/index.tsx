import { createContext, type ComponentChildren } from "preact";
import { useContext, useEffect, useMemo, useState } from "preact/hooks";

import { LANGUAGES, type Language, type MessageKey, preferredLanguage, translate } from "./messages";

const STORAGE_KEY = "wcc.language"; // a preference, not a secret: kept across sessions

interface I18n {
  language: Language;
  setLanguage: (language: Language) => void;
  t: (key: MessageKey, values?: Record<string, string | number>) => string;
}

const I18nContext = createContext<I18n | null>(null);

function initialLanguage(): Language {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved && (LANGUAGES as readonly string[]).includes(saved)) return saved as Language;
  return preferredLanguage(navigator.languages ?? [navigator.language]);
}

export function I18nProvider({ children }: { children: ComponentChildren }) {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = translate(language, "app.title");
    localStorage.setItem(STORAGE_KEY, language);
  }, [language]);
  const value = useMemo<I18n>(
    () => ({ language, setLanguage, t: (key, values) => translate(language, key, values) }),
    [language],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error("useI18n outside I18nProvider");
  return i18n;
}

/** The Language control: a labelled select, as people and screen readers expect. */
export function LanguageSelect() {
  const { language, setLanguage, t } = useI18n();
  return (
    <label class="language">
      {t("language.label")}{" "}
      <select
        value={language}
        onChange={(event) => setLanguage((event.target as HTMLSelectElement).value as Language)}
      >
        {LANGUAGES.map((code) => (
          <option key={code} value={code}>
            {t(`language.${code}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
