import { useT } from '../i18n.ts'
import { appText } from './text.ts'

export function LangSwitch() {
  const { lang, setLang, t } = useT(appText)
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
