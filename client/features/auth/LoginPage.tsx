import { useState, type FormEvent } from 'react'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useTRPC } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { appText } from '../../app/text.ts'
import { authText } from './text.ts'
import { Logo } from '../../app/Header.tsx'
import { LangSwitch } from '../../app/LangSwitch.tsx'

export function LoginPage() {
  const { t, errorText } = useT(authText)
  const app = useT(appText)
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const [login, setLogin] = useState('')
  const [password, setPassword] = useState('')
  const mutation = useMutation(trpc.auth.login.mutationOptions({
    onSuccess: ({ user }) => {
      queryClient.setQueryData(trpc.auth.me.queryKey(), user)
      // ask once more over the network, so that the offline read cache (client/offline/reads.ts) holds
      // the signed-in answer and not the signed-out one fetched before the login
      void queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() })
    },
  }))

  const submit = (e: FormEvent) => {
    e.preventDefault()
    mutation.mutate({ login: login.trim(), password })
  }

  return (
    <div className="login-page">
      <div className="login-lang"><LangSwitch /></div>
      <form className="login-card" onSubmit={submit} data-testid="login-form">
        <div className="login-brand">
          <Logo />
          <div>
            <h1>网格责任地图 <span>GridDuty</span></h1>
            <p>{app.t('app.subtitle')}</p>
          </div>
        </div>
        <h2>{t('login.title')}</h2>
        <label>
          <span>{t('login.login')}</span>
          <input
            data-testid="login-login"
            name="login"
            autoComplete="username"
            autoCapitalize="none"
            value={login}
            onChange={(e) => setLogin(e.target.value)}
            required
          />
        </label>
        <label>
          <span>{t('login.password')}</span>
          <input
            data-testid="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {mutation.isError && (
          <p className="form-error" role="alert" data-testid="login-error">
            {errorText(mutation.error)}
          </p>
        )}
        <button type="submit" className="btn-primary" data-testid="login-submit" disabled={mutation.isPending}>
          {mutation.isPending ? t('login.submitting') : t('login.submit')}
        </button>
        <p className="login-hint">{t('login.hint')}</p>
      </form>
    </div>
  )
}
