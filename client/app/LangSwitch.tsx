import { useI18n } from '../i18n.ts'

export function LangSwitch() {
  const { lang, setLang, t } = useI18n()
  return (
    <button
      type="button"
      className="lang-switch"
      data-testid="lang-switch"
      title={t('lang.switchTitle')}
      onClick={() => setLang(lang === 'zh-CN' ? 'en' : 'zh-CN')}
    >
      {t('lang.switch')}
    </button>
  )
}
